using ImageJobs.Rendering.Imaging.Jpeg;

namespace ImageJobs.Tests.Rendering;

/// <summary>
/// The scan rewriter on real encoders' output: an edit that changes nothing gives the source's
/// bytes back, whatever rows it spans; an edit that changes coefficients changes those and no
/// others (read back by libjpeg-turbo), and the result decodes without a warning.
/// </summary>
[Trait("Category", "Rendering")]
public class JpegScanRewriterTests
{
    public static TheoryData<string, bool, int> Sources => new()
    {
        { ScanJpegs.Yuv420, false, 0 },
        { ScanJpegs.Yuv420, true, 0 },
        { ScanJpegs.Yuv420, true, 7 },
        { ScanJpegs.Yuv420, false, 21 },
        { ScanJpegs.Yuv422, false, 0 },
        { ScanJpegs.Yuv444, true, 0 },
        { ScanJpegs.Yuv444, false, 5 },
        { ScanJpegs.Gray, true, 0 },
        { ScanJpegs.Gray, true, 3 },
        { ScanJpegs.Gray, false, 42 },
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public void An_edit_that_changes_nothing_gives_the_source_back_byte_for_byte(string sampling, bool optimize, int restartInterval)
    {
        var source = ScanJpegs.Photo(sampling, optimize, restartInterval);
        var layout = ScanLayout.Read(source, out var failure) ?? throw new InvalidOperationException(failure!.ToString());
        Assert.Equal(restartInterval, layout.RestartInterval);
        var rows = layout.McuRows;
        var visited = 0;
        foreach (var (first, end) in new[] { (0, 1), (rows / 2, (rows / 2) + 1), (rows - 1, rows), (0, rows), (1, rows - 1), (rows * 85 / 100, rows) })
        {
            var result = JpegScanRewriter.Rewrite(source, first, end, (_, _, _) => visited++);
            Assert.True(result.Succeeded, $"rows {first}-{end}: {result.Failure}");
            Assert.True(source.AsSpan().SequenceEqual(result.Jpeg), $"rows {first}-{end} of {rows}: {result.Jpeg!.Length} bytes, the source {source.Length}");
        }

        Assert.True(visited > 0);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void An_edit_changes_its_rows_coefficients_and_no_others(string sampling, bool optimize, int restartInterval)
    {
        var source = ScanJpegs.Photo(sampling, optimize, restartInterval);
        var layout = ScanLayout.Read(source, out _)!;
        var (first, end) = (layout.McuRows / 3, (layout.McuRows / 3) + 2);
        var edited = new HashSet<(int Component, int Row)>();
        var result = JpegScanRewriter.Rewrite(source, first, end, (component, row, coefficients) =>
        {
            Assert.True(edited.Add((component, row)), $"component {component} row {row} edited twice");
            Brighten(component, coefficients);
        });
        Assert.True(result.Succeeded, result.Failure?.ToString());

        var before = JpegCoefficients.Read(source)!;
        var after = JpegCoefficients.Read(result.Jpeg!)!;
        Assert.Equal(before.Components.Count, after.Components.Count);
        var changed = 0;
        for (var c = 0; c < before.Components.Count; c++)
        {
            var v = layout.Components.Single(s => s.FrameIndex == c).Vertical;
            Assert.Equal(before.Components[c].Length, after.Components[c].Length);
            for (var row = 0; row < before.Components[c].Length / (before.WidthsInBlocks[c] * 64); row++)
            {
                var expected = BlockRow(before, c, row).ToArray();
                if (row >= first * v && row < end * v)
                {
                    Assert.Contains((c, row), edited);
                    Brighten(c, expected);
                    changed++;
                }

                Assert.True(expected.AsSpan().SequenceEqual(BlockRow(after, c, row)), $"component {c}, block row {row}");
            }
        }

        Assert.Equal(edited.Count, changed);

        // Pixels: the same outside the edited rows, one MCU row of margin for chroma upsampling.
        var (sourcePixels, rowBytes) = ScanJpegs.Decode(source);
        var (resultPixels, _) = ScanJpegs.Decode(result.Jpeg!);
        var top = Math.Max(0, (first - 1) * layout.McuHeight) * rowBytes;
        var bottom = Math.Min(layout.Height, (end + 1) * layout.McuHeight) * rowBytes;
        Assert.True(sourcePixels.AsSpan(0, top).SequenceEqual(resultPixels.AsSpan(0, top)));
        Assert.True(sourcePixels.AsSpan(bottom).SequenceEqual(resultPixels.AsSpan(bottom)));
        Assert.False(sourcePixels.AsSpan(top, bottom - top).SequenceEqual(resultPixels.AsSpan(top, bottom - top)));
    }

    [Fact]
    public void Rows_are_handed_over_whole_and_in_natural_order()
    {
        var source = ScanJpegs.Photo(ScanJpegs.Yuv420, width: 100, height: 40);
        var layout = ScanLayout.Read(source, out _)!;
        var decoded = JpegCoefficients.Read(source)!;
        var calls = new List<(int Component, int Row, int Length)>();
        var result = JpegScanRewriter.Rewrite(source, 1, 3, (component, row, coefficients) =>
        {
            calls.Add((component, row, coefficients.Length));
            var visible = BlockRow(decoded, component, row);
            Assert.True(visible.SequenceEqual(coefficients[..visible.Length]), $"component {component} row {row}");
        });

        Assert.True(result.Succeeded, result.Failure?.ToString());
        // 100 px in 16 px MCUs: 7 MCUs, so 14 luma blocks a row (libjpeg's padded array) and 7 chroma.
        Assert.Equal(7, layout.McusPerRow);
        Assert.Equal(
            [(0, 2, 14 * 64), (0, 3, 14 * 64), (1, 1, 7 * 64), (2, 1, 7 * 64), (0, 4, 14 * 64), (0, 5, 14 * 64), (1, 2, 7 * 64), (2, 2, 7 * 64)],
            calls);
    }

    /// <summary>One block row as libjpeg-turbo reads it: the component's first ceil(width / 8) blocks of the row.</summary>
    private static ReadOnlySpan<short> BlockRow(JpegCoefficients coefficients, int component, int row)
    {
        var length = coefficients.WidthsInBlocks[component] * 64;
        return coefficients.Components[component].AsSpan(row * length, length);
    }

    /// <summary>A deterministic edit: DC up on every block, one low AC coefficient set on every other chroma block.</summary>
    private static void Brighten(int component, Span<short> coefficients)
    {
        for (var block = 0; block * 64 < coefficients.Length; block++)
        {
            var at = block * 64;
            coefficients[at] += (short)(component == 0 ? 12 : -3);
            if (component > 0 && block % 2 == 0)
            {
                coefficients[at + 8] = 2; // vertical frequency 1
            }
        }
    }
}
