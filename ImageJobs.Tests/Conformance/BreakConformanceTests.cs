using System.Diagnostics;
using System.Globalization;
using ImageJobs.Rendering.Layout;
using Xunit.Abstractions;

namespace ImageJobs.Tests.Conformance;

/// <summary>
/// UAX #14 line break opportunities and UAX #29 grapheme clusters through our entry point
/// (<see cref="TextBreaks.Analyze"/>, the marks the line breaker and the ellipsis read)
/// against Unicode's LineBreakTest.txt and GraphemeBreakTest.txt.
/// </summary>
[Trait("Category", "Conformance")]
public sealed class BreakConformanceTests(ITestOutputHelper output) : IDisposable
{
    private readonly TextBreaks _breaks = new();

    [Fact]
    public void LineBreakTest_opportunities_match_but_for_the_known_failures() =>
        Check(UnicodeTestFiles.LineBreakTest, BreakMarks.LineBreak);

    [Fact]
    public void GraphemeBreakTest_clusters_match_every_case() =>
        Check(UnicodeTestFiles.GraphemeBreakTest, BreakMarks.ClusterStart);

    /// <summary>Each case passes when every position between code points breaks exactly where "÷" says.</summary>
    private void Check(string file, BreakMarks mark)
    {
        var watch = Stopwatch.StartNew();
        var failures = new List<string>();
        var total = 0;
        foreach (var (number, line) in UnicodeTestFiles.DataLines(file))
        {
            var (text, offsets, expected) = UnicodeTestFiles.ParseBreakCase(line);
            var marks = _breaks.Analyze(text);
            total++;
            // Position 0 (start of text) and n (end) are fixed by the rules (LB2/LB3, GB1/GB2): compare between code points.
            var pass = true;
            for (var i = 1; i < offsets.Length - 1; i++)
            {
                pass &= ((marks[offsets[i]] & mark) != 0) == expected[i];
            }

            if (!pass)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"line {number}"));
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(file)}: {total - failures.Count} of {total} cases pass ({100.0 * (total - failures.Count) / total:0.00}%) in {watch.Elapsed.TotalSeconds:0.0} s"));
        UnicodeTestFiles.AssertOnlyKnownFailures(file, failures);
    }

    public void Dispose() => _breaks.Dispose();
}
