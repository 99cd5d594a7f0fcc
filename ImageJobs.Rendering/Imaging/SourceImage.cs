using System.Globalization;
using System.Runtime.InteropServices;
using ImageJobs.Contracts;
using ImageJobs.Rendering.Imaging.Jpeg;
using NetVips;
using SkiaSharp;

namespace ImageJobs.Rendering.Imaging;

/// <summary>The formats we read, known by their first bytes. GIF and BMP give their first frame.</summary>
public enum SourceFormat
{
    Jpeg,
    Png,
    Webp,
    Gif,
    Bmp,
}

/// <summary>
/// Untrusted source bytes opened as a lazy libvips image, upright. Format (by content) and size
/// (from the header) are checked before a pixel is decoded, so a small file declaring a huge
/// image (a decompression bomb) costs nothing. Pixels are decoded later, strip by strip, as the
/// encoder pulls them (sequential access); only an EXIF-rotated image is decoded whole first.
/// </summary>
public sealed partial class SourceImage : IDisposable
{
    private const string Accepted = "accepted: JPEG, PNG, WebP, GIF, BMP";

    /// <summary>The whole decoded image an upright one is turned from (EXIF rotation), or null.</summary>
    private readonly Image? _decoded;

    private SourceImage(Image image, SourceFormat format, JpegTraits? jpeg, Image? decoded = null, double scale = 1)
    {
        Image = image;
        Format = format;
        Jpeg = jpeg;
        _decoded = decoded;
        Scale = scale;
    }

    /// <summary>Upright; its metadata (ICC, EXIF, XMP, IPTC) as the source had it, orientation 1.</summary>
    public Image Image { get; }

    public SourceFormat Format { get; }

    /// <summary>Whether the source was turned upright from its EXIF orientation (decoded whole for it).</summary>
    public bool Rotated => _decoded is not null;

    /// <summary>What a JPEG source was saved with, to save the result alike; null for other formats.</summary>
    public JpegTraits? Jpeg { get; }

    /// <summary>The image's size over the source's (1: not resized); pixel sizes of the source are multiplied by it.</summary>
    public double Scale { get; }

    /// <exception cref="JobFailedException">Not an image, a format not allowed, too many pixels, or a damaged header.</exception>
    public static SourceImage Open(ReadOnlyMemory<byte> source, RenderLimits limits)
    {
        var bytes = source.Span;
        var format = Sniff(bytes) ?? throw (IsOtherImage(source)
            ? new JobFailedException(ErrorCodes.UnsupportedFormat, $"The image's format is not accepted; {Accepted}.")
            : new JobFailedException(ErrorCodes.NotAnImage, $"The data is not an image; {Accepted}."));
        if (format == SourceFormat.Bmp)
        {
            return new SourceImage(DecodeBmp(source, limits), format, null);
        }

        var buffer = Buffer(source);
        var image = Load(buffer, Enums.Access.Sequential);
        try
        {
            CheckSize(image.Width, image.Height, limits);
            var jpeg = format == SourceFormat.Jpeg ? JpegTraits.Of(image, bytes) : null;
            if (Orientation(image) is > 1 and <= 8)
            {
                // Turning needs pixels out of order: decode the whole (size-checked) image first.
                // It is kept, so that Stop reaches that decode too.
                image.Dispose();
                var whole = Load(buffer, Enums.Access.Random);
                try
                {
                    using var upright = whole.Autorot();
                    return new SourceImage(upright.Mutate(m => m.Set(GValue.GIntType, "orientation", 1)), format, jpeg, whole);
                }
                catch
                {
                    whole.Dispose();
                    throw;
                }
            }

            return new SourceImage(image, format, jpeg);
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>
    /// An image's upright size (EXIF orientation applied) from its header alone: <paramref name="start"/>
    /// may be just the file's first bytes. No pixel is decoded; the format and pixel limit are checked as <see cref="Open"/> checks them.
    /// </summary>
    /// <exception cref="JobFailedException">Not an image, a format not allowed, too many pixels, or a header that cannot be read from these bytes (<c>image.corrupt</c>).</exception>
    public static (int Width, int Height) Probe(ReadOnlyMemory<byte> start, RenderLimits limits)
    {
        var format = Sniff(start.Span) ?? throw (IsOtherImage(start)
            ? new JobFailedException(ErrorCodes.UnsupportedFormat, $"The image's format is not accepted; {Accepted}.")
            : new JobFailedException(ErrorCodes.NotAnImage, $"The data is not an image; {Accepted}."));
        if (format == SourceFormat.Bmp)
        {
            using var data = SKData.CreateCopy(start.Span);
            using var codec = SKCodec.Create(data)
                ?? throw new JobFailedException(ErrorCodes.CorruptImage, "The image header is damaged: it starts like a BMP but cannot be read.");
            CheckSize(codec.Info.Width, codec.Info.Height, limits);
            return (codec.Info.Width, codec.Info.Height);
        }

        using var image = Load(Buffer(start), Enums.Access.Sequential);
        CheckSize(image.Width, image.Height, limits);
        return Orientation(image) is >= 5 and <= 8 ? (image.Height, image.Width) : (image.Width, image.Height);
    }

    /// <summary>The accepted format these bytes start like, or null.</summary>
    public static SourceFormat? Sniff(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? SourceFormat.Jpeg
        : bytes.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]) ? SourceFormat.Png
        : bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8) ? SourceFormat.Gif
        : bytes.StartsWith("BM"u8) ? SourceFormat.Bmp
        : bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8) ? SourceFormat.Webp
        : null;

    /// <summary>Maps a libvips failure while pixels were decoded (lazily, during encoding) to its code.</summary>
    public static JobFailedException DecodeFailure(VipsException failure)
    {
        var message = failure.Message;
        return message.Contains("premature end", StringComparison.OrdinalIgnoreCase)
            || message.Contains("truncated", StringComparison.OrdinalIgnoreCase)
            || message.Contains("unexpected end", StringComparison.OrdinalIgnoreCase)
            ? new JobFailedException(ErrorCodes.TruncatedImage, "The image data is truncated (the file ends before the image does).")
            : new JobFailedException(ErrorCodes.CorruptImage, "The image data is corrupt: " + FirstLines(message));
    }

    /// <summary>
    /// Makes the decoding under way (or yet to come) fail at its next strip: libvips' kill flag,
    /// safe from any thread. The encoder's own image is stopped by <see cref="ResultEncoder.Encode"/>.
    /// </summary>
    public void Stop()
    {
        Image.SetKill(true);
        _decoded?.SetKill(true);
    }

    public void Dispose()
    {
        Image.Dispose();
        _decoded?.Dispose();
    }

    /// <summary>The source's own array when it is one whole (no copy), else a copy.</summary>
    private static byte[] Buffer(ReadOnlyMemory<byte> source) =>
        MemoryMarshal.TryGetArray(source, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array : source.ToArray();

    private static Image Load(byte[] buffer, Enums.Access access)
    {
        try
        {
            // Only the four loaders we accept are unblocked (Libvips.Configure), so this cannot
            // reach another parser whatever the bytes say.
            return Image.NewFromBuffer(buffer, "", access, Enums.FailOn.Error);
        }
        catch (VipsException ex)
        {
            // An image's signature with an unreadable header is a damaged image, not some other kind of file.
            throw new JobFailedException(ErrorCodes.CorruptImage, "The image header is damaged: it starts like an image but cannot be read (" + FirstLines(ex.Message) + ").");
        }
    }

    private static void CheckSize(int width, int height, RenderLimits limits)
    {
        if (width <= 0 || height <= 0)
        {
            throw new JobFailedException(ErrorCodes.CorruptImage, "The image header declares no pixels.");
        }

        if ((long)width * height > limits.MaxPixels)
        {
            throw new JobFailedException(ErrorCodes.TooManyPixels, string.Create(CultureInfo.InvariantCulture,
                $"The image is {width}x{height} pixels, more than the limit of {limits.MaxPixels:N0}."));
        }
    }

    private static int Orientation(Image image) =>
        image.GetTypeOf("orientation") != IntPtr.Zero && image.Get("orientation") is int orientation ? orientation : 1;

    /// <summary>Formats we refuse but recognise as images (Skia's decoders, and a few common signatures).</summary>
    private static bool IsOtherImage(ReadOnlyMemory<byte> source)
    {
        var bytes = source.Span;
        if (bytes.StartsWith("II*\0"u8) || bytes.StartsWith("MM\0*"u8) || bytes.StartsWith("8BPS"u8)
            || (bytes.Length >= 12 && bytes[4..8].SequenceEqual("ftyp"u8)) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0x0A]))
        {
            return true; // TIFF, PSD, HEIF/AVIF, JPEG XL
        }

        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        return codec is not null;
    }

    /// <summary>libvips has no BMP loader: Skia reads it (BMP is uncompressed or RLE: no codec to speed up).</summary>
    private static Image DecodeBmp(ReadOnlyMemory<byte> source, RenderLimits limits)
    {
        using var data = SKData.CreateCopy(source.Span);
        using var codec = SKCodec.Create(data)
            ?? throw new JobFailedException(ErrorCodes.CorruptImage, "The image header is damaged: it starts like a BMP but cannot be read.");
        CheckSize(codec.Info.Width, codec.Info.Height, limits);
        var opaque = codec.Info.AlphaType == SKAlphaType.Opaque;
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, opaque ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap();
        if (!bitmap.TryAllocPixels(info))
        {
            throw new JobFailedException(ErrorCodes.TooManyPixels, "Not enough memory for the image's pixels.");
        }

        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw result == SKCodecResult.IncompleteInput
                ? new JobFailedException(ErrorCodes.TruncatedImage, "The image data is truncated (the file ends before the image does).")
                : new JobFailedException(ErrorCodes.CorruptImage, $"The image data is corrupt ({result}).");
        }

        using var rgba = Image.NewFromMemoryCopy(bitmap.GetPixels(), (ulong)bitmap.ByteCount, info.Width, info.Height, 4, Enums.BandFormat.Uchar);
        using var bands = opaque ? rgba.ExtractBand(0, 3) : rgba.Copy();
        return bands.Copy(interpretation: Enums.Interpretation.Srgb);
    }

    private static string FirstLines(string message) =>
        string.Join("; ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(3));
}

/// <summary>How a JPEG source was saved: its quality (estimated), chroma subsampling and progressive scans, and its markers as read.</summary>
public sealed record JpegTraits(int? Quality, bool Subsampled, bool Progressive, JpegHeader Header)
{
    public static JpegTraits Of(Image image, ReadOnlySpan<byte> bytes)
    {
        var header = JpegHeader.Read(bytes);
        return new(
            JpegQuality.Estimate(header),
            !(image.GetTypeOf("jpeg-chroma-subsample") != IntPtr.Zero && image.Get("jpeg-chroma-subsample") is "4:4:4"),
            image.GetTypeOf("jpeg-multiscan") != IntPtr.Zero && image.Get("jpeg-multiscan") is 1,
            header);
    }
}
