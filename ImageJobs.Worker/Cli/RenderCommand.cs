using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Rendering;

namespace ImageJobs.Worker.Cli;

/// <summary>
/// <c>ImageJobs.Worker render --in a.jpg --out b.jpg --text "..." [--style style.json]</c>:
/// renders one file without the queue, to tune a style. The output format follows --out's
/// extension unless the style names one.
/// </summary>
public static class RenderCommand
{
    public const string Name = "render";

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Count; i += 2)
        {
            options[args[i]] = args[i + 1];
        }

        if (!options.TryGetValue("--in", out var input) || !options.TryGetValue("--out", out var outPath) || !options.TryGetValue("--text", out var text))
        {
            error.WriteLine("usage: ImageJobs.Worker render --in SOURCE --out RESULT --text TEXT [--style STYLE.json]");
            return 2;
        }

        try
        {
            var style = options.TryGetValue("--style", out var stylePath)
                ? JsonSerializer.Deserialize<TextStyle>(File.ReadAllText(stylePath), JsonSerializerOptions.Web) ?? new TextStyle()
                : new TextStyle();
            if (style.Output?.Format is null && FormatOf(outPath) is { } format)
            {
                style = style with { Output = (style.Output ?? new OutputStyle()) with { Format = format } };
            }

            using var fonts = new FontLibrary();
            using var renderer = new ImageRenderer(fonts, new RenderLimits());
            var watch = Stopwatch.StartNew();
            var rendered = renderer.Render(File.ReadAllBytes(input), text.Replace("\\n", "\n", StringComparison.Ordinal), style);
            File.WriteAllBytes(outPath, rendered.Data.ToArray());
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{outPath}: {rendered.Width}x{rendered.Height} {rendered.Format.Name}, {rendered.Data.Length:N0} bytes, {watch.ElapsedMilliseconds} ms"));
            return 0;
        }
        catch (JobFailedException ex)
        {
            error.WriteLine($"{ex.Code}: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            error.WriteLine(ex.Message);
            return 1;
        }
    }

    private static OutputFormat? FormatOf(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".JPG" or ".JPEG" => OutputFormat.Jpeg,
        ".PNG" => OutputFormat.Png,
        ".WEBP" => OutputFormat.Webp,
        _ => null,
    };
}
