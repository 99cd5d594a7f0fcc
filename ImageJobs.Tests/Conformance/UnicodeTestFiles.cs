using System.Globalization;
using System.Text;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Conformance;

/// <summary>
/// Unicode's own conformance files as Debian's unicode-data package installs them, and the
/// committed list of the cases we knowingly fail (KnownFailures.txt, each with its reason).
/// </summary>
public static class UnicodeTestFiles
{
    public const string Directory = "/usr/share/unicode";

    public static string BidiCharacterTest => Path.Combine(Directory, "BidiCharacterTest.txt");

    public static string BidiTest => Path.Combine(Directory, "BidiTest.txt");

    public static string LineBreakTest => Path.Combine(Directory, "auxiliary", "LineBreakTest.txt");

    public static string GraphemeBreakTest => Path.Combine(Directory, "auxiliary", "GraphemeBreakTest.txt");

    public static string KnownFailuresPath => Path.Combine(Repository.Root, "ImageJobs.Tests", "Conformance", "KnownFailures.txt");

    /// <summary>The file's lines with their 1-based numbers, comments and blank lines left out.</summary>
    public static IEnumerable<(int Number, string Text)> DataLines(string path)
    {
        Assert.True(File.Exists(path), $"{path} is missing: install Debian's unicode-data (scripts/setup.sh --tests)");
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var text = line.Split('#')[0].Trim();
            if (text.Length > 0)
            {
                yield return (number, text);
            }
        }
    }

    /// <summary>Hexadecimal code points separated by spaces, as UTF-16, with the UTF-16 offset of each code point (and of the end).</summary>
    public static (string Text, int[] Offsets) Decode(IEnumerable<string> hexCodePoints)
    {
        var text = new StringBuilder();
        var offsets = new List<int>();
        foreach (var hex in hexCodePoints)
        {
            offsets.Add(text.Length);
            text.Append(char.ConvertFromUtf32(int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        }

        offsets.Add(text.Length);
        return (text.ToString(), [.. offsets]);
    }

    /// <summary>
    /// The break-test format (LineBreakTest, GraphemeBreakTest): "÷" (break) or "×" (no break)
    /// around code points. Gives the text, the code points' UTF-16 offsets, and whether each position 0..n breaks.
    /// </summary>
    public static (string Text, int[] Offsets, bool[] Breaks) ParseBreakCase(string line)
    {
        var tokens = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var breaks = tokens.Where((_, i) => i % 2 == 0).Select(t => t == "÷").ToArray();
        var (text, offsets) = Decode(tokens.Where((_, i) => i % 2 == 1));
        return (text, offsets, breaks);
    }

    /// <summary>The known failures for one test file: case key ("line 123" or "line 123 rtl") to reason.</summary>
    public static IReadOnlyDictionary<string, string> KnownFailures(string testFile)
    {
        var name = Path.GetFileName(testFile);
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(KnownFailuresPath))
        {
            // "<file> | <case> | <reason>"
            var fields = line.Split('|', 3, StringSplitOptions.TrimEntries);
            if (line.StartsWith('#') || fields.Length != 3 || fields[0] != name)
            {
                continue;
            }

            known.Add(fields[1], fields[2]);
        }

        return known;
    }

    /// <summary>Fails unless the failing cases are exactly the known ones: a new failure fails, and so does a fixed one still listed.</summary>
    public static void AssertOnlyKnownFailures(string testFile, IReadOnlyCollection<string> failures)
    {
        var known = KnownFailures(testFile);
        var unexpected = failures.Where(f => !known.ContainsKey(f)).ToList();
        var failing = failures.ToHashSet(StringComparer.Ordinal);
        var fixedNow = known.Keys.Where(k => !failing.Contains(k)).ToList();
        Assert.True(unexpected.Count == 0 && fixedNow.Count == 0,
            $"{Path.GetFileName(testFile)}: {unexpected.Count} failures not in KnownFailures.txt ({string.Join(", ", unexpected.Take(100))}); "
            + $"{fixedNow.Count} listed there that pass now ({string.Join(", ", fixedNow.Take(20))})");
    }
}
