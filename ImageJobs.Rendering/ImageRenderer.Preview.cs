using System.Globalization;
using System.Runtime.InteropServices;
using ImageJobs.Contracts;
using ImageJobs.Rendering.Imaging;
using ImageJobs.Rendering.Templates;
using NetVips;

namespace ImageJobs.Rendering;

/// <summary>What a preview may cost: the source's pixels (from its header), the longest side it is decoded at, and the pixels of a format decoded whole (BMP).</summary>
public sealed record PreviewLimits(long MaxSourcePixels, int MaxEdge, long MaxDecodedPixels);

/// <summary>
/// A preview: the caption on a reduced copy of the image, for a person tuning a style. It is shown
/// small, so the source is thumbnailed (JPEG and WebP shrink on load, others stream through a
/// reducing decode) and turned upright after shrinking; pixel sizes in the style scale with it.
/// Cancellation stops the libvips pipeline where it is.
/// </summary>
public sealed partial class ImageRenderer
{
    /// <exception cref="JobFailedException">The input is refused; <see cref="JobFailedException.Code"/> says why.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public RenderedImage RenderPreview(ReadOnlyMemory<byte> source, string text, TextStyle? style, PreviewLimits limits, CancellationToken cancellationToken)
    {
        Check(source, text, style ?? TextStyle.Default);
        var effective = (style ?? TextStyle.Default).Over(TextStyle.Default);
        return Preview(source, Template.SingleCaption(text, effective), NoImages, limits, cancellationToken);
    }

    /// <summary>Every layer of a template on a reduced copy of the image; pictures by name, as bytes.</summary>
    /// <exception cref="JobFailedException">The input is refused; <see cref="JobFailedException.Code"/> says why.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public RenderedImage RenderPreview(ReadOnlyMemory<byte> source, Template template, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> images,
        PreviewLimits limits, UploadedFonts? fonts = null, CancellationToken cancellationToken = default)
    {
        CheckSource(source);
        Check(template);
        return Preview(source, template, images, limits, cancellationToken, fonts);
    }

    private RenderedImage Preview(ReadOnlyMemory<byte> source, Template template, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> images,
        PreviewLimits limits, CancellationToken cancellationToken, UploadedFonts? fonts = null)
    {
        var output = (template.Output ?? OutputStyle.Default).Over(OutputStyle.Default);
        var format = SourceImage.Sniff(source.Span) ?? throw new JobFailedException(ErrorCodes.NotAnImage, "The data is not an image; accepted: JPEG, PNG, WebP, GIF, BMP.");
        var buffer = MemoryMarshal.TryGetArray(source, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array : source.ToArray();
        var sourceLimits = new RenderLimits { MaxPixels = limits.MaxSourcePixels };
        // Shown small: within the preview's edge, and within the result's resize box when there is one.
        var box = (Width: Math.Min(limits.MaxEdge, output.Resize?.Width ?? int.MaxValue), Height: Math.Min(limits.MaxEdge, output.Resize?.Height ?? int.MaxValue));
        using var reduced = format == SourceFormat.Bmp ? ThumbnailWhole(source, limits, sourceLimits, box) : Thumbnail(buffer, sourceLimits, box);
        cancellationToken.ThrowIfCancellationRequested();
        using var layers = LayerSet.Prepare(_workspaces.Value!, Scaled(template, reduced.Factor), reduced.Image.Width, reduced.Image.Height, images, fonts);
        using var drawn = layers.Blend(reduced.Image);
        var image = drawn ?? reduced.Image;
        var chosen = ResultEncoder.Choose(output.Format!.Value, format);
        try
        {
            var encoded = ResultEncoder.Encode(image, chosen, EncodeSettings.For(output, null), cancellationToken);
            return new RenderedImage(encoded, chosen, image.Width, image.Height);
        }
        catch (VipsException ex)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw SourceImage.DecodeFailure(ex);
        }
    }

    private static Reduced Thumbnail(byte[] buffer, RenderLimits sourceLimits, (int Width, int Height) box)
    {
        int width, height;
        try
        {
            // The header only (lazy): its size is checked before a pixel is decoded.
            using var header = Image.NewFromBuffer(buffer, "", Enums.Access.Sequential, Enums.FailOn.Error);
            (width, height) = header.Width > 0 && header.Height > 0 && (long)header.Width * header.Height <= sourceLimits.MaxPixels
                ? (header.Width, header.Height)
                : throw new JobFailedException(ErrorCodes.TooManyPixels, string.Create(CultureInfo.InvariantCulture,
                    $"The image is {header.Width}x{header.Height} pixels, more than a preview's limit of {sourceLimits.MaxPixels:N0}."));
        }
        catch (VipsException ex)
        {
            throw new JobFailedException(ErrorCodes.CorruptImage, "The image header is damaged: " + ex.Message.Split('\n')[0]);
        }

        var thumbnail = Image.ThumbnailBuffer(buffer, box.Width, height: box.Height, size: Enums.Size.Down, failOn: Enums.FailOn.Error);
        return new Reduced(thumbnail, (double)Math.Max(thumbnail.Width, thumbnail.Height) / Math.Max(width, height));
    }

    /// <summary>BMP is decoded whole (libvips has no loader for it): only up to the decoded-pixel limit.</summary>
    private static Reduced ThumbnailWhole(ReadOnlyMemory<byte> source, PreviewLimits limits, RenderLimits sourceLimits, (int Width, int Height) box)
    {
        using var opened = SourceImage.Open(source, new RenderLimits { MaxPixels = Math.Min(sourceLimits.MaxPixels, limits.MaxDecodedPixels) });
        var thumbnail = opened.Image.ThumbnailImage(box.Width, height: box.Height, size: Enums.Size.Down);
        return new Reduced(thumbnail, (double)Math.Max(thumbnail.Width, thumbnail.Height) / Math.Max(opened.Image.Width, opened.Image.Height));
    }

    /// <summary>
    /// Every pixel size in the template (pixel boxes, text offsets) times <paramref name="factor"/>, for an image reduced by it
    /// (a preview, a resized result): pixel sizes are the source's. Ratios, percent and em need nothing.
    /// </summary>
    private static Template Scaled(Template template, double factor) => factor >= 1 ? template : template with
    {
        Layers = [.. template.Layers.Select(layer => (layer with { Box = Scaled(layer.Box, factor) }) switch
        {
            TextLayer { Style: { } style } text => text with { Style = style with { OffsetX = style.OffsetX * factor, OffsetY = style.OffsetY * factor, Box = Scaled(style.Box, factor) } },
            var other => other,
        })],
    };

    private static TextBoxStyle? Scaled(TextBoxStyle? box, double factor) => box is { Unit: BoxUnit.Pixels }
        ? box with { X = box.X * factor, Y = box.Y * factor, Width = box.Width * factor, Height = box.Height * factor }
        : box;

    private sealed record Reduced(Image Image, double Factor) : IDisposable
    {
        public void Dispose() => Image.Dispose();
    }
}
