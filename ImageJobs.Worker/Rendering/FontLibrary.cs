using SkiaSharp;

namespace ImageJobs.Worker.Rendering;

/// <summary>
/// The fonts bundled with the worker (Fonts/ beside the binaries). Nothing comes from the
/// system: SkiaSharp's Linux "NoDependencies" build has no font manager, and output must
/// be the same on every host. Typefaces are immutable and shared between threads.
/// </summary>
public sealed class FontLibrary : IDisposable
{
    public FontLibrary(string? fontsDirectory = null)
    {
        var directory = fontsDirectory ?? Path.Combine(AppContext.BaseDirectory, "Fonts");
        SansBold = Load(Path.Combine(directory, "DejaVu", "DejaVuSans-Bold.ttf"));
    }

    public SKTypeface SansBold { get; }

    private static SKTypeface Load(string path)
    {
        var typeface = SKTypeface.FromFile(path)
            ?? throw new FileNotFoundException($"Bundled font missing or unreadable: {path}", path);
        if (typeface.GlyphCount == 0)
        {
            throw new InvalidOperationException($"Bundled font has no glyphs: {path}");
        }

        return typeface;
    }

    public void Dispose() => SansBold.Dispose();
}
