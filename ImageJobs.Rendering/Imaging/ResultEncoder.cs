using NetVips;

namespace ImageJobs.Rendering.Imaging;

/// <summary>How to write the result: quality, the source's JPEG traits, and which metadata to keep.</summary>
public sealed record EncodeSettings(int Quality, JpegTraits? Source, MetadataPolicy Metadata)
{
    /// <param name="output">A resolved output style (merged over <see cref="OutputStyle.Default"/>).</param>
    public static EncodeSettings For(OutputStyle output, JpegTraits? source) =>
        new(output.Quality ?? source?.Quality ?? OutputStyle.FallbackQuality, source, output.Metadata!.Value);
}

/// <summary>Picks the output format and encodes the result with libvips, pulling the pixels through the pipeline.</summary>
public static class ResultEncoder
{
    public static ImageFormat Choose(OutputFormat requested, SourceFormat source) => requested switch
    {
        OutputFormat.Jpeg => ImageFormat.Jpeg,
        OutputFormat.Png => ImageFormat.Png,
        OutputFormat.Webp => ImageFormat.Webp,
        // We do not write GIF or BMP: PNG keeps their pixels and alpha.
        _ => source switch
        {
            SourceFormat.Jpeg => ImageFormat.Jpeg,
            SourceFormat.Webp => ImageFormat.Webp,
            _ => ImageFormat.Png,
        },
    };

    /// <exception cref="VipsException">Decoding the source failed on the way (see <see cref="SourceImage.DecodeFailure"/>),
    /// or <paramref name="cancellationToken"/> stopped the encoder.</exception>
    public static byte[] Encode(Image image, ImageFormat format, EncodeSettings settings, CancellationToken cancellationToken = default)
    {
        using var kept = WithoutLocation(image, settings.Metadata);
        // The image being saved carries the kill flag the encoders check (WebP's between its own
        // passes too, long after the pixels have been read); disposed before kept.
        using var stop = cancellationToken.Register(static image => ((Image)image!).SetKill(true), kept);
        var keep = settings.Metadata == MetadataPolicy.StripAll ? Enums.ForeignKeep.Icc : Enums.ForeignKeep.All;
        if (format == ImageFormat.Png)
        {
            // 16-bit sources stay 16-bit: libvips writes the image's own depth.
            return kept.PngsaveBuffer(compression: 6, keep: keep);
        }

        if (format == ImageFormat.Webp)
        {
            return kept.WebpsaveBuffer(q: settings.Quality, keep: keep);
        }

        // JPEG has no alpha: transparent areas are flattened on black, as before. No optimised
        // Huffman tables: they doubled the encoder's time for 4% fewer bytes (docs/PERFORMANCE.md).
        var subsample = settings.Source is { } source
            ? source.Subsampled ? Enums.ForeignSubsample.On : Enums.ForeignSubsample.Off
            : Enums.ForeignSubsample.Auto;
        return kept.JpegsaveBuffer(q: settings.Quality, interlace: settings.Source?.Progressive ?? false,
            subsampleMode: subsample, keep: keep);
    }

    /// <summary>
    /// With <see cref="MetadataPolicy.StripLocation"/>, a copy without EXIF's GPS block (libvips
    /// rewrites the EXIF from these fields when saving) and without XMP that mentions GPS.
    /// </summary>
    private static Image WithoutLocation(Image image, MetadataPolicy policy)
    {
        if (policy != MetadataPolicy.StripLocation)
        {
            return image.Copy();
        }

        var gps = image.GetFields().Where(f => f.StartsWith("exif-ifd3-", StringComparison.Ordinal)).ToList();
        var xmpHasGps = image.GetTypeOf("xmp-data") != IntPtr.Zero && image.Get("xmp-data") is byte[] xmp
            && System.Text.Encoding.UTF8.GetString(xmp).Contains("GPS", StringComparison.Ordinal);
        return image.Mutate(m =>
        {
            foreach (var field in gps)
            {
                m.Remove(field);
            }

            if (xmpHasGps)
            {
                m.Remove("xmp-data");
            }
        });
    }
}
