using ImageJobs.Rendering.Imaging.Jpeg;

namespace ImageJobs.Rendering.Imaging;

/// <summary>
/// Estimates the quality a JPEG was saved at from its quantisation tables, as ImageMagick's
/// <c>%Q</c> does: the tables of the JPEG standard's Annex K scaled by libjpeg's quality formula
/// are compared with the file's, and the closest quality wins. Exact for files written by
/// libjpeg, libjpeg-turbo, mozjpeg's standard tables, Skia and most cameras' IJG code; for other
/// tables, the quality whose quantisation is closest on average. Pure: reads bytes only.
/// </summary>
public static class JpegQuality
{
    /// <summary>Annex K luminance and chrominance tables, in zigzag order (as stored in a DQT segment).</summary>
    private static readonly byte[] Luminance = Zigzag([
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ]);

    private static readonly byte[] Chrominance = Zigzag([
        17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    ]);

    /// <summary>The quality (1-100), or null when the bytes hold no quantisation table before the first scan.</summary>
    public static int? Estimate(ReadOnlySpan<byte> jpeg) => Estimate(JpegHeader.Read(jpeg));

    /// <summary>The quality (1-100) from a header already read, or null when it holds no quantisation table 0.</summary>
    public static int? Estimate(JpegHeader header)
    {
        if (header.QuantTable(0) is not { } luminance)
        {
            return null;
        }

        var best = 0;
        var bestError = long.MaxValue;
        for (var quality = 1; quality <= 100; quality++)
        {
            var error = Distance(luminance, Luminance, quality) + (header.QuantTable(1) is { } chroma ? Distance(chroma, Chrominance, quality) : 0);
            if (error <= bestError)
            {
                // Ties go to the higher quality: never guess lower than the source.
                (best, bestError) = (quality, error);
            }
        }

        return best;
    }

    /// <summary>libjpeg's <c>jpeg_quality_scaling</c> and <c>jpeg_add_quant_table</c> (baseline: at most 255).</summary>
    public static int Scaled(int standard, int quality)
    {
        var scale = quality < 50 ? 5000 / quality : 200 - (quality * 2);
        return Math.Clamp(((standard * scale) + 50) / 100, 1, 255);
    }

    private static long Distance(int[] table, byte[] standard, int quality)
    {
        long error = 0;
        for (var i = 0; i < 64; i++)
        {
            error += Math.Abs(table[i] - Scaled(standard[i], quality));
        }

        return error;
    }

    private static byte[] Zigzag(byte[] natural)
    {
        var zigzag = new byte[64];
        for (var i = 0; i < 64; i++)
        {
            zigzag[i] = natural[JpegHeader.NaturalOrder[i]];
        }

        return zigzag;
    }
}
