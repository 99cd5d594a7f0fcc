using System.Globalization;
using ImageJobs.Contracts;
using ImageJobs.Rendering.Imaging;
using ImageJobs.Rendering.Text;
using SkiaSharp;

namespace ImageJobs.Rendering;

/// <summary>
/// Bytes and a style in, bytes out: no I/O. Checks the untrusted source from its header
/// before a pixel is decoded, lays out and draws the caption, and encodes the result in the
/// source's format or the style's. Thread-safe: each thread gets its own shapers and paints.
/// </summary>
public sealed class ImageRenderer : IDisposable
{
    private readonly RenderLimits _limits;
    private readonly ThreadLocal<Workspace> _workspaces;

    public ImageRenderer(FontLibrary fonts, RenderLimits limits)
    {
        _limits = limits;
        _workspaces = new ThreadLocal<Workspace>(() => new Workspace(fonts), trackAllValues: true);
    }

    /// <exception cref="JobFailedException">The input is refused; <see cref="JobFailedException.Code"/> says why.</exception>
    public RenderedImage Render(ReadOnlyMemory<byte> source, string text, TextStyle? style = null)
    {
        // Validate what was asked for: the defaults are valid, and merging them in could only
        // invent conflicts the caller did not write (e.g. a max size below the default min).
        Check(source, text, style ?? TextStyle.Default);
        var effective = (style ?? TextStyle.Default).Over(TextStyle.Default);

        using var data = SKData.CreateCopy(source.Span);
        using var codec = SourceImage.Open(data, _limits);
        var format = ResultEncoder.Choose(effective.Output!.Format!.Value, codec.EncodedFormat);

        using var decoded = SourceImage.Decode(codec);
        var oriented = SourceImage.Orient(decoded, codec.EncodedOrigin);
        try
        {
            DrawCaption(oriented, text, effective);
            using var pixmap = oriented.PeekPixels();
            using var encoded = ResultEncoder.Encode(pixmap, format, effective.Output!.Quality!.Value);
            return new RenderedImage(encoded.ToArray(), format, oriented.Width, oriented.Height);
        }
        finally
        {
            if (!ReferenceEquals(oriented, decoded))
            {
                oriented.Dispose();
            }
        }
    }

    /// <summary>Draws the caption onto <paramref name="bitmap"/> in place (used by <see cref="Render"/>, tests and benchmarks).</summary>
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
            Painter.Dispose();
            Shaper.Dispose();
        }
    }
}
