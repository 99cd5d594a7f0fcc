using System.Buffers.Binary;

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
    /// <summary>Position in the 8x8 block (row major) of each zigzag index. First: the tables below are built from it.</summary>
    private static readonly byte[] NaturalOrder =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

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
    public static int? Estimate(ReadOnlySpan<byte> jpeg)
    {
        var tables = ReadTables(jpeg);
        if (tables[0] is null)
        {
            return null;
        }

        var best = 0;
        var bestError = long.MaxValue;
        for (var quality = 1; quality <= 100; quality++)
        {
            var error = Distance(tables[0]!, Luminance, quality) + (tables[1] is { } chroma ? Distance(chroma, Chrominance, quality) : 0);
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

    /// <summary>Tables 0 and 1 (zigzag order) from the DQT segments before the first SOS.</summary>
    private static int[]?[] ReadTables(ReadOnlySpan<byte> jpeg)
    {
        var tables = new int[]?[4];
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            return tables;
        }

        var at = 2;
        while (at + 4 <= jpeg.Length)
        {
            if (jpeg[at] != 0xFF)
            {
                return tables; // not a marker where one must be: stop, the decoder will judge the file
            }

            var marker = jpeg[at + 1];
            if (marker == 0xFF)
            {
                at++; // fill byte
                continue;
            }

            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                at += 2; // no length
                continue;
            }

            if (marker is 0xDA or 0xD9)
            {
                return tables; // start of scan or end of image
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(at + 2)..]);
            if (length < 2 || at + 2 + length > jpeg.Length)
            {
                return tables;
            }

            if (marker == 0xDB)
            {
                ReadSegment(jpeg.Slice(at + 4, length - 2), tables);
            }

            at += 2 + length;
        }

        return tables;
    }

    private static void ReadSegment(ReadOnlySpan<byte> segment, int[]?[] tables)
    {
        while (segment.Length > 0)
        {
            var precision = segment[0] >> 4;
            var id = segment[0] & 0x0F;
            var size = precision == 0 ? 64 : 128;
            if (id > 3 || segment.Length < 1 + size)
            {
                return;
            }

            var table = new int[64];
            for (var i = 0; i < 64; i++)
            {
                table[i] = precision == 0 ? segment[1 + i] : BinaryPrimitives.ReadUInt16BigEndian(segment[(1 + (2 * i))..]);
            }

            tables[id] = table;
            segment = segment[(1 + size)..];
        }
    }

    private static byte[] Zigzag(byte[] natural)
    {
        var zigzag = new byte[64];
        for (var i = 0; i < 64; i++)
        {
            zigzag[i] = natural[NaturalOrder[i]];
        }

        return zigzag;
    }
}
