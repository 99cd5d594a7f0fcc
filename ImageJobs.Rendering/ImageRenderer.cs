using System.Globalization;
using ImageJobs.Contracts;
using ImageJobs.Rendering.Imaging;
using ImageJobs.Rendering.Text;
using NetVips;
using SkiaSharp;

namespace ImageJobs.Rendering;

/// <summary>
/// Bytes and a style in, bytes out: no I/O. Checks the untrusted source from its header
/// before a pixel is decoded, lays out the caption, draws it with Skia into a bitmap the size of
/// the region it covers, and blends that region into a libvips pipeline that streams the rest of
/// the image from decoder to encoder (Imaging/). Thread-safe: each thread gets its own shapers and paints.
/// </summary>
public sealed class ImageRenderer : IDisposable
{
    private readonly RenderLimits _limits;
    private readonly ThreadLocal<Workspace> _workspaces;

    public ImageRenderer(FontLibrary fonts, RenderLimits limits)
    {
        _limits = limits;
        Libvips.Configure(limits.CodecThreads);
        _workspaces = new ThreadLocal<Workspace>(() => new Workspace(fonts), trackAllValues: true);
    }

    /// <exception cref="JobFailedException">The input is refused; <see cref="JobFailedException.Code"/> says why.</exception>
    public RenderedImage Render(ReadOnlyMemory<byte> source, string text, TextStyle? style = null)
    {
        // Validate what was asked for: the defaults are valid, and merging them in could only
        // invent conflicts the caller did not write (e.g. a max size below the default min).
        Check(source, text, style ?? TextStyle.Default);
        var effective = (style ?? TextStyle.Default).Over(TextStyle.Default);

        using var opened = SourceImage.Open(source, _limits);
        var format = ResultEncoder.Choose(effective.Output!.Format!.Value, opened.Format);
        using var captioned = DrawCaption(opened.Image, text, effective);
        var settings = EncodeSettings.For(effective.Output!, opened.Jpeg);
        try
        {
            var encoded = ResultEncoder.Encode(captioned ?? opened.Image, format, settings);
            return new RenderedImage(encoded, format, opened.Image.Width, opened.Image.Height);
        }
        catch (VipsException ex)
        {
            throw SourceImage.DecodeFailure(ex);
        }
    }

    /// <summary>
    /// The image with the caption on it, still lazy (nothing decoded yet), or null when there is
    /// nothing to draw. Only the caption's extent (<see cref="CaptionPainter.Extent"/>) is drawn and blended.
    /// </summary>
    private Image? DrawCaption(Image image, string text, TextStyle effectiveStyle)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var workspace = _workspaces.Value!;
        var caption = workspace.Composer.Compose(text, effectiveStyle, image.Width, image.Height);
        var extent = SKRectI.Intersect(SKRectI.Ceiling(CaptionPainter.Extent(caption, effectiveStyle, workspace.Shaper), outwards: true), SKRectI.Create(image.Width, image.Height));
        if (extent.IsEmpty)
        {
            return null;
        }

        using var drawn = new SKBitmap(new SKImageInfo(extent.Width, extent.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        drawn.Erase(SKColors.Transparent);
        using (var canvas = new SKCanvas(drawn))
        {
            canvas.Translate(-extent.Left, -extent.Top);
            workspace.Painter.Draw(canvas, caption, effectiveStyle, workspace.Shaper);
        }

        // libvips blends straight (unpremultiplied) colour.
        using (var pixmap = drawn.PeekPixels())
        {
            CaptionOverlay.Straighten(pixmap);
        }

        using var drawable = CaptionOverlay.Drawable(image);
        return CaptionOverlay.Blend(drawable, drawn, extent.Left, extent.Top);
    }

    /// <summary>Draws the caption onto a whole decoded <paramref name="bitmap"/> in place (tests and benchmarks compare with it).</summary>
    public void DrawCaption(SKBitmap bitmap, string text, TextStyle effectiveStyle)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        var workspace = _workspaces.Value!;
        var caption = workspace.Composer.Compose(text, effectiveStyle, bitmap.Width, bitmap.Height);
        using var canvas = new SKCanvas(bitmap);
        workspace.Painter.Draw(canvas, caption, effectiveStyle, workspace.Shaper);
    }

    /// <summary>The region <see cref="Render"/> draws for this caption on an image of the given size (unclipped).</summary>
    public SKRect Extent(string text, TextStyle? style, int width, int height)
    {
        var effective = (style ?? TextStyle.Default).Over(TextStyle.Default);
        var workspace = _workspaces.Value!;
        return CaptionPainter.Extent(workspace.Composer.Compose(text, effective, width, height), effective, workspace.Shaper);
    }

    /// <summary>Lays the caption out for an image of the given size without drawing it.</summary>
    public ComposedCaption Compose(string text, TextStyle? style, int width, int height) =>
        _workspaces.Value!.Composer.Compose(text, (style ?? TextStyle.Default).Over(TextStyle.Default), width, height);

    /// <summary>The checks that need no decoding: sizes, text length and style values.</summary>
    public void Check(ReadOnlyMemory<byte> source, string text, TextStyle style)
    {
        if (source.IsEmpty)
        {
            throw new JobFailedException(ErrorCodes.EmptySource, "The source image is empty (0 bytes).");
        }

        if (source.Length > _limits.MaxSourceBytes)
        {
            throw JobFailedException.SourceTooLarge(source.Length, _limits.MaxSourceBytes);
        }

        if (text.Length > _limits.MaxTextLength)
        {
            throw new JobFailedException(ErrorCodes.TextTooLong, string.Create(CultureInfo.InvariantCulture,
                $"The text is {text.Length:N0} characters, more than the limit of {_limits.MaxTextLength:N0}."));
        }

        var errors = style.Validate();
        if (errors.Count > 0)
        {
            throw new JobFailedException(ErrorCodes.InvalidStyle,
                "Invalid style: " + string.Join("; ", errors.Select(e => $"{e.Key} {e.Value}")));
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

    /// <summary>What one thread reuses from job to job: shapers (HarfBuzz faces), fonts and paints.</summary>
    private sealed class Workspace : IDisposable
    {
        public Workspace(FontLibrary fonts)
        {
            Shaper = new TextShaper();
            Composer = new CaptionComposer(fonts, Shaper);
            Painter = new CaptionPainter();
        }

        public TextShaper Shaper { get; }

        public CaptionComposer Composer { get; }

        public CaptionPainter Painter { get; }

        public void Dispose()
        {
            Composer.Dispose();
            Painter.Dispose();
            Shaper.Dispose();
        }
    }
}
