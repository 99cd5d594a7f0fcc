using System.Diagnostics;
using System.Globalization;
using ImageJobs.Rendering.Layout;
using Xunit.Abstractions;

namespace ImageJobs.Tests.Conformance;

/// <summary>
/// UAX #9 through our bidi entry point (<see cref="Bidi.Resolve"/> for the levels,
/// <see cref="Bidi.VisualOrder"/> for rule L2) against Unicode's BidiCharacterTest.txt and BidiTest.txt.
/// </summary>
[Trait("Category", "Conformance")]
public class BidiConformanceTests(ITestOutputHelper output)
{
    /// <summary>A character of each bidi class, for BidiTest.txt (which lists classes, not characters).</summary>
    private static readonly Dictionary<string, char> Representatives = new(StringComparer.Ordinal)
    {
        ["L"] = 'a',
        ["R"] = '\u05D0',
        ["AL"] = '\u0627',
        ["EN"] = '1',
        ["ES"] = '+',
        ["ET"] = '$',
        ["AN"] = '\u0660',
        ["CS"] = ',',
        ["NSM"] = '\u0300',
        ["BN"] = '\u00AD',
        ["B"] = '\u2029',
        ["S"] = '\t',
        ["WS"] = ' ',
        ["ON"] = '!',
        ["LRE"] = '\u202A',
        ["RLE"] = '\u202B',
        ["PDF"] = '\u202C',
        ["LRO"] = '\u202D',
        ["RLO"] = '\u202E',
        ["LRI"] = '\u2066',
        ["RLI"] = '\u2067',
        ["FSI"] = '\u2068',
        ["PDI"] = '\u2069',
    };

    [Fact]
    public void BidiCharacterTest_levels_and_order_match_but_for_the_known_failures()
    {
        var watch = Stopwatch.StartNew();
        var tally = new Tally();
        foreach (var (number, line) in UnicodeTestFiles.DataLines(UnicodeTestFiles.BidiCharacterTest))
        {
            // code points; paragraph direction (0 LTR, 1 RTL, 2 auto); resolved paragraph level; levels (x: removed by X9); visual order
            var fields = line.Split(';');
            var (text, offsets) = UnicodeTestFiles.Decode(fields[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            var direction = fields[1].Trim() switch { "0" => ParagraphDirection.LeftToRight, "1" => ParagraphDirection.RightToLeft, _ => ParagraphDirection.Auto };
            var expectedLevels = fields[3].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var expectedOrder = fields[4].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(o => int.Parse(o, CultureInfo.InvariantCulture));

            var paragraph = Bidi.Resolve(text, direction);
            var outcome = paragraph.Level == int.Parse(fields[2], CultureInfo.InvariantCulture)
                ? Compare(paragraph, offsets, expectedLevels, expectedOrder)
                : Outcome.Fail;
            tally.Add(outcome, string.Create(CultureInfo.InvariantCulture, $"line {number}"));
        }

        output.WriteLine(tally.Summary("BidiCharacterTest.txt", "lines", watch.Elapsed));
        UnicodeTestFiles.AssertOnlyKnownFailures(UnicodeTestFiles.BidiCharacterTest, tally.Failures);
    }

    [Fact]
    public void BidiTest_levels_and_order_match_but_for_the_known_failures()
    {
        var watch = Stopwatch.StartNew();
        var tally = new Tally();
        string[] levels = [];
        int[] order = [];
        foreach (var (number, line) in UnicodeTestFiles.DataLines(UnicodeTestFiles.BidiTest))
        {
            if (line.StartsWith("@Levels:", StringComparison.Ordinal))
            {
                levels = line["@Levels:".Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                continue;
            }

            if (line.StartsWith("@Reorder:", StringComparison.Ordinal))
            {
                order = [.. line["@Reorder:".Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(o => int.Parse(o, CultureInfo.InvariantCulture))];
                continue;
            }

            // bidi classes; bitset of paragraph directions (1 auto, 2 LTR, 4 RTL)
            var fields = line.Split(';');
            var text = string.Concat(fields[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => Representatives[c]));
            var offsets = Enumerable.Range(0, text.Length + 1).ToArray();
            var directions = int.Parse(fields[1], CultureInfo.InvariantCulture);
            foreach (var (bit, direction, name) in new[] { (1, ParagraphDirection.Auto, "auto"), (2, ParagraphDirection.LeftToRight, "ltr"), (4, ParagraphDirection.RightToLeft, "rtl") })
            {
                if ((directions & bit) == 0)
                {
                    continue;
                }

                tally.Add(Compare(Bidi.Resolve(text, direction), offsets, levels, order),
                    string.Create(CultureInfo.InvariantCulture, $"line {number} {name}"));
            }
        }

        output.WriteLine(tally.Summary("BidiTest.txt", "cases", watch.Elapsed));
        UnicodeTestFiles.AssertOnlyKnownFailures(UnicodeTestFiles.BidiTest, tally.Failures);
    }

    [Fact]
    public void Every_right_to_left_number_or_explicit_character_is_sent_to_icu()
    {
        // Bidi.Resolve skips ICU for text without such characters (all levels 0 in an LTR paragraph).
        string[] classes = ["R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"];
        string[] defaults = ["Right_To_Left", "Arabic_Letter", "Arabic_Number"];
        var checkedCodePoints = 0;
        foreach (var raw in File.ReadLines(Path.Combine(UnicodeTestFiles.Directory, "extracted", "DerivedBidiClass.txt")))
        {
            // "05BE ; R # ..." and, for unassigned code points, "# @missing: 0590..05FF; Right_To_Left".
            var line = raw.StartsWith("# @missing:", StringComparison.Ordinal) ? raw["# @missing:".Length..] : raw.Split('#')[0];
            var fields = line.Split(';', StringSplitOptions.TrimEntries);
            if (fields.Length != 2 || !(classes.Contains(fields[1]) || defaults.Contains(fields[1])))
            {
                continue;
            }

            var range = fields[0].Split("..");
            var first = int.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var last = int.Parse(range[^1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            for (var codePoint = first; codePoint <= last; codePoint++)
            {
                checkedCodePoints++;
                Assert.True(Bidi.MayNeedBidi(char.ConvertFromUtf32(codePoint)), $"U+{codePoint:X4} ({fields[1]}) would skip ICU");
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{checkedCodePoints} code points of classes R, AL, AN and the explicit ones all go to ICU"));
        Assert.True(checkedCodePoints > 5_000, "DerivedBidiClass.txt was not read");
    }

    private enum Outcome
    {
        Exact,
        SameOrderUnidirectional,
        Fail,
    }

    /// <summary>
    /// Exact: every level that is not "x" matches, and so does the visual order of the characters X9 keeps.
    /// SameOrderUnidirectional: the visual order matches, and the levels differ only by ICU's documented
    /// shortcut for text of one direction (ubidi_setPara: every level is reported as the paragraph level,
    /// where the expected levels all have the paragraph's parity, so rule L2 gives the same order).
    /// </summary>
    private static Outcome Compare(BidiParagraph paragraph, int[] offsets, string[] expectedLevels, IEnumerable<int> expectedOrder)
    {
        var codePoints = offsets.Length - 1;
        var levels = new byte[codePoints];
        var exact = true;
        var flattened = true;
        for (var i = 0; i < codePoints; i++)
        {
            levels[i] = paragraph.Levels[offsets[i]];
            flattened &= levels[i] == paragraph.Level;
            if (expectedLevels[i] == "x")
            {
                continue;
            }

            var expected = int.Parse(expectedLevels[i], CultureInfo.InvariantCulture);
            exact &= expected == levels[i];
            flattened &= (expected & 1) == (paragraph.Level & 1);
        }

        if (!Bidi.VisualOrder(levels).Where(i => expectedLevels[i] != "x").SequenceEqual(expectedOrder))
        {
            return Outcome.Fail;
        }

        return exact ? Outcome.Exact : flattened ? Outcome.SameOrderUnidirectional : Outcome.Fail;
    }

    private sealed class Tally
    {
        private readonly int[] _counts = new int[3];

        public List<string> Failures { get; } = [];

        public void Add(Outcome outcome, string key)
        {
            _counts[(int)outcome]++;
            if (outcome == Outcome.Fail)
            {
                Failures.Add(key);
            }
        }

        public string Summary(string file, string unit, TimeSpan elapsed)
        {
            var total = _counts.Sum();
            var passed = total - Failures.Count;
            return string.Create(CultureInfo.InvariantCulture,
                $"{file}: {passed} of {total} {unit} pass ({100.0 * passed / total:0.00}%): {_counts[0]} with every level exact, "
                + $"{_counts[1]} with the same order and ICU's one-direction levels; {Failures.Count} failing; {elapsed.TotalSeconds:0.0} s");
        }
    }
}
