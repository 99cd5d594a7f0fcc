using ImageJobs.Contracts;
using NetVips;

namespace ImageJobs.Rendering.Imaging;

/// <summary>A source opened at a reduced size: a template's <see cref="ResizeStyle"/>, done by the codec.</summary>
public sealed partial class SourceImage
{
    /// <summary>libvips' largest side: a side a resize leaves unbounded.</summary>
    private const int MaxCoordinate = 10_000_000;

    /// <summary>
    /// The source, shrunk to fit within <paramref name="fit"/> when it is larger (never enlarged), in
    /// the same sequential pipeline: libvips' thumbnail shrinks a JPEG or WebP while it decodes it
    /// and reduces the rest strip by strip, then turns the small image upright.
    /// </summary>
    /// <exception cref="JobFailedException">As <see cref="Open(ReadOnlyMemory{byte}, RenderLimits)"/>.</exception>
    public static SourceImage Open(ReadOnlyMemory<byte> source, RenderLimits limits, ResizeStyle? fit)
    {
        var (width, height) = (fit?.Width ?? MaxCoordinate, fit?.Height ?? MaxCoordinate);
        var upright = fit is null ? default : Probe(source, limits);
        if (fit is null || (upright.Width <= width && upright.Height <= height))
        {
            return Open(source, limits);
        }

        Image reduced;
        JpegTraits? jpeg = null;
        var format = Sniff(source.Span)!.Value;
        if (format == SourceFormat.Bmp)
        {
            // Decoded whole anyway (no libvips loader): reduced from the pixels; the reduction keeps its own reference to them.
            using var whole = Open(source, limits);
            reduced = whole.Image.ThumbnailImage(width, height: height, size: Enums.Size.Down);
        }
        else
        {
            var buffer = Buffer(source);
            if (format == SourceFormat.Jpeg)
            {
                using var header = Load(buffer, Enums.Access.Sequential);
                jpeg = JpegTraits.Of(header, source.Span);
            }

            try
            {
                reduced = Image.ThumbnailBuffer(buffer, width, height: height, size: Enums.Size.Down, failOn: Enums.FailOn.Error);
            }
            catch (VipsException ex)
            {
                throw new JobFailedException(ErrorCodes.CorruptImage, "The image header is damaged: it starts like an image but cannot be read (" + FirstLines(ex.Message) + ").");
            }
        }

        if (Orientation(reduced) != 1)
        {
            // Turned upright by the thumbnail: the tag must not turn it again.
            using var turned = reduced;
            reduced = turned.Mutate(m => m.Set(GValue.GIntType, "orientation", 1));
        }

        return new SourceImage(reduced, format, jpeg, scale: (double)Math.Max(reduced.Width, reduced.Height) / Math.Max(upright.Width, upright.Height));
    }
}
