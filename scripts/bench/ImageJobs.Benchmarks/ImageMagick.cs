using System.Diagnostics;
using System.Globalization;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Text;

namespace ImageJobs.Benchmarks;

/// <summary>
/// ImageMagick's `convert -annotate` drawing the caption our engine composes: -annotate cannot
/// wrap, so it gets our engine's line breaks, size and position, and both draw the same text.
/// </summary>
public sealed class ImageMagick(ImageRenderer renderer, string caption, TextStyle style, int width, int height)
{
    private readonly ComposedCaption _composed = renderer.Compose(caption, style, width, height);

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"caption: {_composed.Lines.Count} lines at {_composed.Size:0.#} px, outline {StrokeWidth:0.#} px");

    private double StrokeWidth => (style.Over(TextStyle.Default).OutlineRatio ?? 0) * _composed.Size;

    public async Task ConvertAsync(string source, string target)
    {
        var text = string.Join('\n', _composed.Lines);
        var fromBottom = height - _composed.Bounds.Bottom;
        var font = Path.Combine(AppContext.BaseDirectory, "Fonts", "DejaVu", "DejaVuSans-Bold.ttf");
        var start = new ProcessStartInfo("convert") { RedirectStandardError = true, UseShellExecute = false };
        // No -quality: ImageMagick then writes a JPEG at the quality it estimates for the source, as the engine does.
        // One thread per convert: the parallel run gives one process per core, and the sequential one compares with our single thread.
        start.Environment["MAGICK_THREAD_LIMIT"] = "1";
        foreach (var arg in (string[])[source, "-font", font, "-pointsize", F(_composed.Size), "-gravity", "south",
            "-stroke", "black", "-strokewidth", F(StrokeWidth), "-fill", "white", "-annotate", $"+0+{F(fromBottom)}", text,
            "-stroke", "none", "-annotate", $"+0+{F(fromBottom)}", text, target])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"convert failed: {errors}");
        }
    }

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
