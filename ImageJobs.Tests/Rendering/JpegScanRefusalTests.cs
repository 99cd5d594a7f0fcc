using ImageJobs.Rendering.Imaging.Jpeg;
using NetVips;

namespace ImageJobs.Tests.Rendering;

/// <summary>What the scan rewriter refuses, with its reason, and that untrusted bytes never make it throw.</summary>
[Trait("Category", "Rendering")]
public class JpegScanRefusalTests
{
    private static readonly BlockRowEdit Unchanged = (_, _, _) => { };

    [Fact]
    public void A_progressive_jpeg_is_refused()
    {
        using var image = Image.NewFromBuffer(ScanJpegs.Photo(ScanJpegs.Yuv420));
        var result = JpegScanRewriter.Rewrite(image.JpegsaveBuffer(q: 85, interlace: true), 0, 1, Unchanged);
        AssertRefused(result, ScanFailureKind.Unsupported, "progressive");
    }

    [Theory]
    [InlineData(0xC9)]
    [InlineData(0xC3)]
    [InlineData(0xC5)]
    public void Other_coding_processes_are_refused(byte marker)
    {
        var jpeg = ScanJpegs.Photo(ScanJpegs.Yuv420);
        jpeg[FrameHeader(jpeg) + 1] = marker;
        AssertRefused(JpegScanRewriter.Rewrite(jpeg, 0, 1, Unchanged), ScanFailureKind.Unsupported, "lossless, hierarchical or arithmetic-coded");
    }

    [Fact]
    public void Twelve_bit_samples_are_refused()
    {
        var jpeg = ScanJpegs.Photo(ScanJpegs.Gray);
        jpeg[FrameHeader(jpeg) + 4] = 12;
        AssertRefused(JpegScanRewriter.Rewrite(jpeg, 0, 1, Unchanged), ScanFailureKind.Unsupported, "12-bit");
    }

    [Fact]
    public void An_edit_needing_a_code_the_optimised_table_lacks_is_refused()
    {
        var source = ScanJpegs.Photo(ScanJpegs.Yuv420, optimize: true);
        var result = JpegScanRewriter.Rewrite(source, 2, 3, (component, _, coefficients) =>
        {
            if (component == 0)
            {
                // Fourteen zeros then 1023: run 14, size 10 (symbol 0xEA), which smooth photographs never use.
                coefficients[1..64].Clear();
                coefficients[JpegHeader.NaturalOrder[15]] = 1023;
            }
        });
        AssertRefused(result, ScanFailureKind.MissingHuffmanCode, "AC table 0 has no code for symbol 0xEA");
    }

    [Fact]
    public void A_coefficient_a_baseline_jpeg_cannot_hold_is_refused()
    {
        var result = JpegScanRewriter.Rewrite(ScanJpegs.Photo(ScanJpegs.Yuv444), 1, 2, (_, _, coefficients) => coefficients[1] = 2000);
        AssertRefused(result, ScanFailureKind.CoefficientOutOfRange, "2000");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void Truncated_entropy_data_is_refused(int restartInterval)
    {
        var jpeg = ScanJpegs.Photo(ScanJpegs.Yuv420, restartInterval: restartInterval);
        var layout = ScanLayout.Read(jpeg, out _)!;
        var cut = jpeg[..((layout.DataStart + layout.DataEnd) / 2)];
        AssertRefused(JpegScanRewriter.Rewrite(cut, 0, 1, Unchanged), ScanFailureKind.Truncated, "without a marker");

        // With an EOI where the data stops, the decode runs out (or, with restarts, intervals are missing).
        var ended = (byte[])[.. cut, 0xFF, 0xD9];
        AssertRefused(JpegScanRewriter.Rewrite(ended, layout.McuRows - 1, layout.McuRows, Unchanged), ScanFailureKind.Truncated,
            restartInterval == 0 ? "ends at MCU" : "restart intervals where the image has");
    }

    [Theory]
    [InlineData(0, "undecodable entropy data at MCU")]
    [InlineData(-1, "undecodable entropy data at MCU")]
    public void Corrupt_entropy_data_is_refused_where_it_is_decoded(int firstRow, string reason)
    {
        var jpeg = ScanJpegs.Photo(ScanJpegs.Yuv420);
        var layout = ScanLayout.Read(jpeg, out _)!;
        // 0xFF data bytes (each stuffed): all one bits, and the all-ones code is never a Huffman code.
        var middle = (layout.DataStart + layout.DataEnd) / 2;
        while (jpeg[middle - 1] == 0xFF)
        {
            middle++; // not between a 0xFF and its stuffing
        }

        for (var at = middle; at < middle + 64; at += 2)
        {
            (jpeg[at], jpeg[at + 1]) = (0xFF, 0x00);
        }

        var first = firstRow < 0 ? layout.McuRows - 1 : firstRow; // corrupt in the rows re-encoded, or in the prefix only decoded
        AssertRefused(JpegScanRewriter.Rewrite(jpeg, first, layout.McuRows, Unchanged), ScanFailureKind.Corrupt, reason);
    }

    [Fact]
    public void A_wrong_restart_marker_is_refused()
    {
        var jpeg = ScanJpegs.Photo(ScanJpegs.Yuv420, restartInterval: 4);
        var layout = ScanLayout.Read(jpeg, out _)!;
        var rst = jpeg.AsSpan(layout.DataStart).IndexOf([(byte)0xFF, (byte)0xD2]) + layout.DataStart;
        jpeg[rst + 1] = 0xD5;
        AssertRefused(JpegScanRewriter.Rewrite(jpeg, 0, 1, Unchanged), ScanFailureKind.Corrupt, "restart marker 0xD5 where restart 2 was expected");
    }

    [Fact]
    public void Damaged_bytes_never_throw()
    {
        var random = new Random(18);
        foreach (var restart in new[] { 0, 3 })
        {
            var source = ScanJpegs.Photo(ScanJpegs.Yuv420, optimize: true, restartInterval: restart, width: 96, height: 64);
            for (var i = 0; i < 400; i++)
            {
                var jpeg = i % 4 == 0 ? source[..random.Next(source.Length)] : (byte[])source.Clone();
                for (var j = i % 4 == 0 ? 0 : random.Next(1, 6); j > 0; j--)
                {
                    jpeg[random.Next(jpeg.Length)] = (byte)random.Next(256);
                }

                var layout = ScanLayout.Read(jpeg, out var failure);
                Assert.True(layout is not null || failure is not null);
                if (layout is not null)
                {
                    var first = random.Next(layout.McuRows);
                    var result = JpegScanRewriter.Rewrite(jpeg, layout, first, random.Next(first + 1, layout.McuRows + 1), (_, _, c) => c[0]++);
                    Assert.True(result.Succeeded ^ (result.Failure is not null));
                }
            }
        }
    }

    private static int FrameHeader(byte[] jpeg) => jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);

    private static void AssertRefused(ScanRewrite result, ScanFailureKind kind, string reason)
    {
        Assert.False(result.Succeeded);
        Assert.Equal(kind, result.Failure!.Kind);
        Assert.Contains(reason, result.Failure.Reason, StringComparison.Ordinal);
    }
}
