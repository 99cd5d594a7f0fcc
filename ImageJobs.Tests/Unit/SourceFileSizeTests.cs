using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Unit;

/// <summary>
/// A source file stays short enough to read in one sitting: over 300 lines, its first line must be
/// a comment saying why it is one file.
/// </summary>
[Trait("Category", "Unit")]
public class SourceFileSizeTests
{
    private const int MaxLines = 300;

    [Fact]
    public void No_source_file_is_over_300_lines_unless_its_first_comment_says_why()
    {
        var tooLong = Directory.EnumerateFiles(Repository.Root, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or ".git"))
            .Select(path => (Path: Path.GetRelativePath(Repository.Root, path), Lines: File.ReadAllLines(path)))
            .Where(file => file.Lines.Length > MaxLines && !file.Lines[0].TrimStart().StartsWith("//", StringComparison.Ordinal))
            .Select(file => $"{file.Path} ({file.Lines.Length} lines)")
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(tooLong.Count == 0, "Over 300 lines with no first comment saying why: " + string.Join(", ", tooLong));
    }
}
