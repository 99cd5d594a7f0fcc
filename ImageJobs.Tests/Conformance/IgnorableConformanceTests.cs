using System.Globalization;
using ImageJobs.Rendering;

namespace ImageJobs.Tests.Conformance;

/// <summary>The characters the missing-glyph check lets through as drawn as nothing are exactly Unicode's Default_Ignorable_Code_Point.</summary>
[Trait("Category", "Conformance")]
public sealed class IgnorableConformanceTests
{
    [Fact]
    public void Ignorable_code_points_are_those_of_DerivedCoreProperties()
    {
        var ignorable = new HashSet<int>();
        foreach (var (_, text) in UnicodeTestFiles.DataLines(Path.Combine(UnicodeTestFiles.Directory, "DerivedCoreProperties.txt")))
        {
            var fields = text.Split(';', StringSplitOptions.TrimEntries);
            if (fields[1] != "Default_Ignorable_Code_Point")
            {
                continue;
            }

            var range = fields[0].Split("..");
            var first = int.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var last = range.Length > 1 ? int.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) : first;
            for (var c = first; c <= last; c++)
            {
                ignorable.Add(c);
            }
        }

        Assert.True(ignorable.Count > 4000, $"only {ignorable.Count} ignorable code points read");
        var wrong = Enumerable.Range(0, 0x110000).Where(c => FontLibrary.IsIgnorable(c) != ignorable.Contains(c)).Take(20).ToList();
        Assert.True(wrong.Count == 0, "differs at " + string.Join(", ", wrong.Select(c => $"U+{c:X4}")));
    }
}
