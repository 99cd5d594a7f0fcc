using ImageJobs.Rendering;

namespace ImageJobs.Benchmarks;

/// <summary>
/// The photographs and the caption every run of every mode uses, so figures from the renderer
/// benchmark and the pipeline benchmark describe the same work. Files are generated once and kept.
/// </summary>
public sealed class PhotoSet
{
    public const string Caption = "Sunset over the old harbour, summer 2026: the fishing boats come home while the lighthouse keeps watch";

    public static TextStyle Style { get; } = new()
    {
        FontSizeRatio = 0.06,
        OutlineRatio = 0.1,
        Box = new TextBoxStyle { X = 10, Width = 80 },
        // The default quality: the source's own.
        Output = new OutputStyle { Format = OutputFormat.Jpeg },
    };

    public const string OneLine = "Sunset over the old harbour, summer 2026";

    public static TextStyle OneLineStyle { get; } = Style with { FontSizeRatio = 0.05, MaxLines = 1, Box = new TextBoxStyle { X = 5, Width = 90, Y = 85, Height = 12 } };

    /// <summary>A watermark: a short line in the bottom right corner.</summary>
    public const string Label = "\u00A9 ImageJobs 2026";

    public static TextStyle LabelStyle { get; } = Style with { FontSizeRatio = 0.025, MaxLines = 1, Align = TextAlignment.Right, Box = new TextBoxStyle { X = 70, Width = 28, Y = 93, Height = 5 } };

    /// <summary>The captions the codec modes compare: a corner label, a one-line bottom caption and, last, <see cref="Caption"/>.</summary>
    public static IReadOnlyList<(string Name, string Text, TextStyle Style)> Captions { get; } =
        [("corner label", Label, LabelStyle), ("one line", OneLine, OneLineStyle), ("three lines", Caption, Style)];

    public PhotoSet(string directory, int count, int width, int height)
    {
        (Width, Height) = (width, height);
        Sources = Path.Combine(directory, "src");
        Directory.CreateDirectory(Sources);
        Files = Enumerable.Range(0, count).Select(i => Path.Combine(Sources, $"photo-{i:D4}-{width}x{height}.jpg")).ToArray();
        Parallel.For(0, count, i =>
        {
            if (!File.Exists(Files[i]))
            {
                File.WriteAllBytes(Files[i], Photographs.Jpeg(i, width, height));
            }
        });
    }

    public int Width { get; }

    public int Height { get; }

    public string Sources { get; }

    public IReadOnlyList<string> Files { get; }

    public int Count => Files.Count;
}
