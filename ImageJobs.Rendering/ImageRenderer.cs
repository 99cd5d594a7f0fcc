using System.Globalization;
using ImageJobs.Contracts;
using ImageJobs.Rendering.Imaging;
using ImageJobs.Rendering.Imaging.Jpeg;
using ImageJobs.Rendering.Templates;
using ImageJobs.Rendering.Text;
using NetVips;
using SkiaSharp;

namespace ImageJobs.Rendering;

/// <summary>
/// Bytes and a template (or one caption and its style) in, bytes out: no I/O. Checks the untrusted
/// source from its header before a pixel is decoded, lays out the layers, draws them with Skia into
/// one bitmap the size of the region they cover, and blends that region into a libvips pipeline
/// that streams the rest of the image from decoder to encoder (Imaging/). Thread-safe: each thread
/// gets its own shapers and paints.
/// </summary>
public sealed partial class ImageRenderer : IDisposable
{
    private static readonly IReadOnlyDictionary<string, ReadOnlyMemory<byte>> NoImages = new Dictionary<string, ReadOnlyMemory<byte>>();

    private readonly RenderLimits _limits;
    private readonly ThreadLocal<TemplateComposer> _workspaces;

    public ImageRenderer(FontLibrary fonts, RenderLimits limits)
    {
        _limits = limits;
        Libvips.Configure(limits.CodecThreads);
        _workspaces = new ThreadLocal<TemplateComposer>(() => new TemplateComposer(fonts, limits), trackAllValues: true);
    }

    /// <summary>One caption: a template of one text layer, the text taken literally.</summary>
    /// <exception cref="JobFailedException">The input is refused; <see cref="JobFailedException.Code"/> says why.</exception>
    /// <exception cref="OperationCanceledException">Stopped: see <see cref="Draw"/>.</exception>
    public RenderedImage Render(ReadOnlyMemory<byte> source, string text, TextStyle? style = null, CancellationToken cancellationToken = default)
    {
        // Validate what was asked for: the defaults are valid, and merging them in could only
        // invent conflicts the caller did not write (e.g. a max size below the default min).
        Check(source, text, style ?? TextStyle.Default);
        return Draw(source, Template.SingleCaption(text, style), NoImages, null, cancellationToken);
    }

    /// <summary>
    /// Every layer of <paramref name="template"/> drawn on the source; pictures come from <paramref name="images"/> by name,
    /// as bytes, and the uploaded families the text layers name from <paramref name="fonts"/>.
    /// </summary>
    /// <exception cref="JobFailedException">The input is refused; <see cref="JobFailedException.Code"/> says why.</exception>
    /// <exception cref="OperationCanceledException">Stopped: see <see cref="Draw"/>.</exception>
    public RenderedImage Render(ReadOnlyMemory<byte> source, Template template, IReadOnlyDictionary<string, ReadOnlyMemory<byte>>? images = null,
        UploadedFonts? fonts = null, CancellationToken cancellationToken = default)
    {
        CheckSource(source);
        Check(template);
        return Draw(source, template, images ?? NoImages, fonts, cancellationToken);
    }

    /// <exception cref="OperationCanceledException">A render past its time limit stops: checked between stages
    /// (open, layers), and inside libvips' decoding and encoding at their next strip. The Blocks path's transform
    /// is not stopped inside (it reads no pixels): it is checked for before and after.</exception>
    private RenderedImage Draw(ReadOnlyMemory<byte> source, Template template, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> images,
        UploadedFonts? fonts, CancellationToken cancellationToken)
    {
        var output = (template.Output ?? OutputStyle.Default).Over(OutputStyle.Default);
        // A resize happens as the source is decoded; the layers are placed on the resized image, pixel sizes scaled.
        using var opened = SourceImage.Open(source, _limits, output.Resize);
        // The pixels are decoded inside the encode (lazily): only libvips can stop it there.
        using var stop = cancellationToken.Register(static image => ((SourceImage)image!).Stop(), opened);
        var format = ResultEncoder.Choose(output.Format!.Value, opened.Format);
        cancellationToken.ThrowIfCancellationRequested();
        var (width, height) = (opened.Image.Width, opened.Image.Height);
        using var layers = LayerSet.Prepare(_workspaces.Value!, Scaled(template, opened.Scale), width, height, images, fonts);
        cancellationToken.ThrowIfCancellationRequested();
        var header = opened.Jpeg?.Header;
        var reason = output.Path == RenderPath.Full ? "the style asks for the full path" : BlockPath.Refusal(opened, output, format, header);
        if (reason is null)
        {
            var drawn = layers.Draw();
            reason = BlockPath.Refusal(header!, drawn);
            var blocks = reason is null ? BlockPath.Render(source.Span, header!, drawn, output.Metadata!.Value, out reason) : null;
            cancellationToken.ThrowIfCancellationRequested();
            if (blocks is not null)
            {
                return new RenderedImage(blocks, ImageFormat.Jpeg, width, height, RenderPath.Blocks);
            }
        }

        if (output.Path == RenderPath.Blocks)
        {
            throw new JobFailedException(ErrorCodes.PathUnavailable, $"The style asks for the Blocks path, but {reason}.");
        }

        using var blended = layers.Blend(opened.Image);
        cancellationToken.ThrowIfCancellationRequested();
        var settings = EncodeSettings.For(output, opened.Jpeg);
        try
        {
            var encoded = ResultEncoder.Encode(blended ?? opened.Image, format, settings, cancellationToken);
            return new RenderedImage(encoded, format, width, height, RenderPath.Full, reason);
        }
        catch (VipsException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The render was stopped past its time limit.", ex, cancellationToken);
        }
        catch (VipsException ex)
        {
            throw SourceImage.DecodeFailure(ex);
        }
    }

    /// <summary>Draws the caption onto a whole decoded <paramref name="bitmap"/> in place (tests and benchmarks compare with it).</summary>
    public void DrawCaption(SKBitmap bitmap, string text, TextStyle effectiveStyle)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        var workspace = _workspaces.Value!;
        var caption = workspace.Captions.Compose(text, effectiveStyle, bitmap.Width, bitmap.Height);
        using var canvas = new SKCanvas(bitmap);
        workspace.Painter.Draw(canvas, caption, effectiveStyle, workspace.Shaper);
    }

    /// <summary>The region <see cref="Render(ReadOnlyMemory{byte}, string, TextStyle?, CancellationToken)"/> draws for this caption on an image of the given size (unclipped).</summary>
    public SKRect Extent(string text, TextStyle? style, int width, int height)
    {
        var effective = (style ?? TextStyle.Default).Over(TextStyle.Default);
        var workspace = _workspaces.Value!;
        return CaptionPainter.Extent(workspace.Captions.Compose(text, effective, width, height), effective, workspace.Shaper);
    }

    /// <summary>Lays the caption out for an image of the given size without drawing it.</summary>
    public ComposedCaption Compose(string text, TextStyle? style, int width, int height, UploadedFonts? fonts = null)
    {
        var workspace = _workspaces.Value!;
        try
        {
            return workspace.Captions.Compose(RichText.Literal(text), (style ?? TextStyle.Default).Over(TextStyle.Default), width, height, fonts);
        }
        finally
        {
            if (fonts is not null)
            {
                workspace.Shaper.Forget(fonts.Faces);
            }
        }
    }

    /// <summary>
    /// How each text layer of a (checked, resolved) template fits on an image of this size: layout
    /// only, no pixels (the pre-flight report), in the uploaded families of <paramref name="fonts"/>.
    /// Thread-safe, like rendering. The thread's shapers keep the uploaded faces for the next row:
    /// once its rows are measured, the thread calls <see cref="ForgetOnThisThread"/> before they are disposed.
    /// </summary>
    public IReadOnlyList<TextLayerFit> Measure(Template template, int width, int height, UploadedFonts? fonts = null) =>
        _workspaces.Value!.Measure(template, width, height, fonts);

    /// <summary>This thread's shapers drop the faces of <paramref name="fonts"/> (measured with, about to be disposed).</summary>
    public void ForgetOnThisThread(UploadedFonts fonts) => _workspaces.Value!.Shaper.Forget(fonts.Faces);

    /// <summary>The checks that need no decoding: sizes, text length and style values.</summary>
    public void Check(ReadOnlyMemory<byte> source, string text, TextStyle style)
    {
        CheckSource(source);
        CheckLength(text, "The text");
        var errors = style.Validate();
        if (errors.Count > 0)
        {
            throw new JobFailedException(ErrorCodes.InvalidStyle,
                "Invalid style: " + string.Join("; ", errors.Select(e => $"{e.Key} {e.Value}")));
        }
    }

    /// <summary>The template's checks that need no image: text lengths (<c>text.too_long</c>), then every value (<c>template.invalid</c>, by path).</summary>
    public void Check(Template template)
    {
        for (var i = 0; i < (template.Layers?.Count ?? 0); i++)
        {
            if (template.Layers![i] is TextLayer { Text: { } text })
            {
                CheckLength(text, string.Create(CultureInfo.InvariantCulture, $"The text of layers[{i}]"));
            }
        }

        var errors = template.Validate(_limits.MaxTextLength);
        if (errors.Count > 0)
        {
            throw new JobFailedException(ErrorCodes.InvalidTemplate,
                "Invalid template: " + string.Join("; ", errors.Select(e => $"{e.Key} {e.Value}")));
        }
    }

    private void CheckSource(ReadOnlyMemory<byte> source)
    {
        if (source.IsEmpty)
        {
            throw new JobFailedException(ErrorCodes.EmptySource, "The source image is empty (0 bytes).");
        }

        if (source.Length > _limits.MaxSourceBytes)
        {
            throw JobFailedException.SourceTooLarge(source.Length, _limits.MaxSourceBytes);
        }
    }

    private void CheckLength(string text, string what)
    {
        if (text.Length > _limits.MaxTextLength)
        {
            throw new JobFailedException(ErrorCodes.TextTooLong, string.Create(CultureInfo.InvariantCulture,
                $"{what} is {text.Length:N0} characters, more than the limit of {_limits.MaxTextLength:N0}."));
        }
    }

    public void Dispose()
    {
        foreach (var workspace in _workspaces.Values)
        {
            workspace.Dispose();
        }

        _workspaces.Dispose();
    }
}
