using System.Buffers.Binary;

namespace ImageJobs.Rendering.Imaging.Jpeg;

/// <summary>
/// The Blocks path: a JPEG result made from the source's own coefficients, with only the blocks
/// under the drawn regions computed again (<see cref="CaptionBlocks"/>); the entropy-coded data is
/// copied outside the edited rows (<see cref="JpegScanRewriter"/>) or, where that cannot be done,
/// written again by libjpeg-turbo's lossless transform (<see cref="TurboJpeg"/>). No pixel outside
/// those blocks is decoded, and none loses quality. <see cref="Refusal"/> says, before anything is
/// drawn, why a render cannot take it; <see cref="Render"/> can still fail on the data (damaged
/// entropy-coded data, which the full path then refuses by its code).
/// </summary>
internal static class BlockPath
{
    /// <summary>The coefficients are held whole while they are edited (2 bytes each): a bound on that memory.</summary>
    public const long MaxCoefficientBytes = 128L * 1024 * 1024;

    /// <summary>Why this render takes the full path, or null when the Blocks path can take it.</summary>
    public static string? Refusal(SourceImage source, OutputStyle output, ImageFormat format, JpegHeader? header)
    {
        if (source.Format != SourceFormat.Jpeg || format != ImageFormat.Jpeg)
        {
            return "the source and the result are not both JPEG";
        }

        if (output.Quality is not null)
        {
            return "the style sets a quality (the Blocks path keeps the source's)";
        }

        if (source.Scale != 1)
        {
            return "the result is resized";
        }

        if (source.Rotated)
        {
            return "the source is turned upright by its EXIF orientation";
        }

        if (output.Metadata == MetadataPolicy.StripLocation)
        {
            return "location data is stripped (EXIF is rewritten)";
        }

        return FrameRefusal(header!) ?? (TurboJpeg.Functions is null ? "libturbojpeg is not available" : null);
    }

    /// <summary>Why a layer's pixels keep this frame off the Blocks path, or null.</summary>
    public static string? Refusal(JpegHeader header, IReadOnlyList<DrawnRegion> regions) =>
        header.Components.Count == 1 && regions.Any(HasColour)
            ? "a coloured layer on a grey JPEG (the full path makes the result colour)"
            : null;

    /// <summary>
    /// The result, or null with the reason the data could not be transformed. Where it can (a baseline
    /// scan whose Huffman tables code every edited block, all metadata kept), the entropy-coded data
    /// outside the edited MCU rows is copied (<see cref="JpegScanRewriter"/>); otherwise TurboJPEG codes it again.
    /// </summary>
    public static byte[]? Render(ReadOnlySpan<byte> source, JpegHeader header, IReadOnlyList<DrawnRegion> regions, MetadataPolicy metadata, out string? failure)
    {
        if (metadata == MetadataPolicy.Keep && regions.Count == 0)
        {
            failure = null;
            return source.ToArray(); // nothing drawn: the source is its own result
        }

        var edit = new CaptionBlocks(header, regions);
        if (metadata == MetadataPolicy.Keep && CodesEverySymbol(header) && ScanLayout.Read(source, header, out _) is { } layout)
        {
            // The scan's own MCU height: a one-component scan is not interleaved, its MCU is one block.
            var rows = layout.McuHeight;
            var (first, end) = (regions.Min(r => r.Bounds.Top) / rows, (regions.Max(r => r.Bounds.Bottom) + rows - 1) / rows);
            if (JpegScanRewriter.Rewrite(source, layout, first, end, edit.Edit).Jpeg is { } copied)
            {
                failure = null;
                return copied;
            }
        }

        // A progressive source stays progressive, as on the full path.
        var options = (metadata == MetadataPolicy.StripAll ? TurboJpeg.CopyNone : 0) | (header.Process == JpegProcess.Progressive ? TurboJpeg.Progressive : 0);
        var result = TurboJpeg.Transform(TurboJpeg.Functions!, source, options, edit, out failure);
        return result is not null && metadata == MetadataPolicy.StripAll ? WithProfile(result, source, header) : result;
    }

    /// <summary>
    /// Whether every Huffman table codes every symbol (as libjpeg's standard tables do), so that any edited
    /// block can be coded with the source's own tables. Optimised tables code only what the picture used, and
    /// a caption's edges need codes they lack: trying would cost a decode of the scan for nothing.
    /// </summary>
    private static bool CodesEverySymbol(JpegHeader header) =>
        header.HuffmanTables.Count > 0 && header.HuffmanTables.All(t => t.Symbols.Distinct().Count() >= (t.Class == 0 ? 12 : 162));

    private static string? FrameRefusal(JpegHeader header)
    {
        if (header.Process is not (JpegProcess.Baseline or JpegProcess.ExtendedSequential or JpegProcess.Progressive))
        {
            return header.Process is null ? "no frame header was read" : "the frame is lossless, hierarchical or arithmetic-coded";
        }

        if (header.Precision != 8)
        {
            return $"{header.Precision}-bit samples";
        }

        if (header.Components.Count == 3 ? !IsYCbCr(header) : header.Components.Count != 1)
        {
            return header.Components.Count == 3 ? "RGB components (no YCbCr transform)" : $"{header.Components.Count} components (CMYK or other)";
        }

        var (across, down) = (header.MaxHorizontal, header.MaxVertical);
        if (header.Components.Any(c => !Divides(c.Horizontal, across) || !Divides(c.Vertical, down) || header.QuantTable(c.QuantTable) is null))
        {
            return "sampling factors or quantisation tables the blend does not handle";
        }

        var bytes = header.Components.Sum(c => 128L * BlocksAcross(header.Width, c.Horizontal, across) * BlocksAcross(header.Height, c.Vertical, down));
        return bytes > MaxCoefficientBytes ? $"its coefficients need {bytes / (1024 * 1024)} MiB, more than {MaxCoefficientBytes / (1024 * 1024)}" : null;
    }

    /// <summary>Whether the largest factor is this one times a power of 2 (what every common subsampling is).</summary>
    private static bool Divides(int factor, int largest) => factor >= 1 && largest % factor == 0 && int.IsPow2(largest / factor);

    private static long BlocksAcross(int size, int factor, int largest) => (((long)size * factor) + (largest * 8) - 1) / (largest * 8);

    /// <summary>Three components are YCbCr unless an Adobe segment says no transform, or (without one) the ids spell R, G, B.</summary>
    private static bool IsYCbCr(JpegHeader header) =>
        header.AdobeTransform is { } transform
            ? transform == 1
            : !(header.Components[0].Id == 'R' && header.Components[1].Id == 'G' && header.Components[2].Id == 'B');

    private static bool HasColour(DrawnRegion region)
    {
        var pixels = region.Pixels.AsSpan(0, region.Bounds.Width * region.Bounds.Height * 4);
        for (var i = 0; i < pixels.Length; i += 4)
        {
            if (pixels[i] != pixels[i + 1] || pixels[i + 1] != pixels[i + 2])
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <paramref name="result"/> (no APPn segments) with the source's ICC profile segments put back after
    /// its JFIF segment: stripping all metadata keeps the colour profile, which the pixels need.
    /// </summary>
    private static byte[] WithProfile(byte[] result, ReadOnlySpan<byte> source, JpegHeader header)
    {
        if (header.ProfileSegments.Count == 0)
        {
            return result;
        }

        List<byte> profile = [];
        foreach (var segment in header.ProfileSegments)
        {
            profile.AddRange(source[segment]);
        }

        var at = 2;
        if (result.Length > 6 && result[2] == 0xFF && result[3] == 0xE0)
        {
            at += 2 + BinaryPrimitives.ReadUInt16BigEndian(result.AsSpan(4));
        }

        return [.. result.AsSpan(0, at), .. profile, .. result.AsSpan(at)];
    }
}
