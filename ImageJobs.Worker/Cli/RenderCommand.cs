using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Rendering;

namespace ImageJobs.Worker.Cli;

/// <summary>
/// <c>ImageJobs.Worker render --in PATH --out PATH --text "..." [--style style.json] [--threads N]</c>:
/// renders without any service. A file in gives a file out (its format follows --out's
/// extension unless the style names one); a folder in renders every image in it into the --out
/// folder, N at a time, like <c>mogrify</c>, with a progress line and images/s at the end.
/// </summary>
public static class RenderCommand
{
    public const string Name = "render";

    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"];

    /// <summary>Parses and runs <c>render ...</c> (<paramref name="args"/> starts with "render"). 0: all rendered; 1: some refused or failed; 2: bad arguments.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var input = new Option<FileSystemInfo>("--in") { Required = true, Description = "An image, or a folder of images (.jpg .jpeg .png .webp .gif .bmp; read by content)." }.AcceptExistingOnly();
        var outPath = new Option<string>("--out") { Required = true, Description = "The result file, or the folder for the results (created if missing)." };
        var text = new Option<string>("--text") { Required = true, Description = "The caption; \\n starts a new line." };
        var stylePath = new Option<FileInfo>("--style") { Description = "A style as JSON (the batch API's style)." }.AcceptExistingOnly();
        var threads = new Option<int>("--threads") { Description = "Images rendered at once (each with one libvips thread); for one file, libvips' threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        threads.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 256)
            {
                result.AddError("--threads must be between 1 and 256.");
            }
        });

        var render = new Command(Name, "Render text onto an image or a folder of images, without any service.") { input, outPath, text, stylePath, threads };
        render.SetAction((parse, cancellationToken) => ExecuteAsync(
            parse.GetRequiredValue(input), parse.GetRequiredValue(outPath), parse.GetRequiredValue(text).Replace("\\n", "\n", StringComparison.Ordinal),
            parse.GetValue(stylePath), parse.GetValue(threads), output, error, cancellationToken));
        var root = new RootCommand("ImageJobs worker") { render };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                error.WriteLine(problem.Message);
            }

            error.WriteLine("usage: ImageJobs.Worker render --in FILE|DIR --out FILE|DIR --text TEXT [--style STYLE.json] [--threads N]");
            return 2;
        }

        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    private static async Task<int> ExecuteAsync(FileSystemInfo input, string outPath, string text, FileInfo? stylePath, int threads,
        TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        TextStyle style;
        try
        {
            style = stylePath is null ? new TextStyle() : JsonSerializer.Deserialize<TextStyle>(await File.ReadAllTextAsync(stylePath.FullName, cancellationToken), JsonSerializerOptions.Web) ?? new TextStyle();
        }
        catch (JsonException ex)
        {
            error.WriteLine($"{stylePath!.Name}: {ex.Message}");
            return 2;
        }

        if (style.Validate() is { Count: > 0 } problems)
        {
            error.WriteLine("Invalid style: " + string.Join("; ", problems.Select(p => $"{p.Key} {p.Value}")));
            return 2;
        }

        var limits = new RenderLimits { CodecThreads = input is DirectoryInfo ? 1 : threads };
        using var fonts = new FontLibrary();
        using var renderer = new ImageRenderer(fonts, limits);
        return input is DirectoryInfo folder
            ? await RenderFolderAsync(renderer, limits, folder, outPath, text, style, threads, output, error, cancellationToken)
            : RenderFile(renderer, limits, input.FullName, outPath, text, style, output, error);
    }

    private static int RenderFile(ImageRenderer renderer, RenderLimits limits, string input, string outPath, string text, TextStyle style, TextWriter output, TextWriter error)
    {
        if (style.Output?.Format is null && FormatOf(outPath) is { } format)
        {
            style = style with { Output = (style.Output ?? new OutputStyle()) with { Format = format } };
        }

        var watch = Stopwatch.StartNew();
        try
        {
            var rendered = renderer.Render(Read(input, limits), text, style);
            File.WriteAllBytes(outPath, rendered.Data.ToArray());
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{outPath}: {rendered.Width}x{rendered.Height} {rendered.Format.Name}, {rendered.Data.Length:N0} bytes, {watch.ElapsedMilliseconds} ms"));
            return 0;
        }
        catch (Exception ex) when (Refusal(ex) is { } reason)
        {
            error.WriteLine($"{input}: {reason}");
            return 1;
        }
    }

    private static async Task<int> RenderFolderAsync(ImageRenderer renderer, RenderLimits limits, DirectoryInfo folder, string outPath, string text, TextStyle style,
        int threads, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var files = folder.EnumerateFiles().Where(f => ImageExtensions.Contains(f.Extension, StringComparer.OrdinalIgnoreCase)).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        Directory.CreateDirectory(outPath);
        var claimed = new ConcurrentDictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        int done = 0, failed = 0;
        var watch = Stopwatch.StartNew();
        var progress = new Timer(_ => Report(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken }, (file, _) =>
        {
            try
            {
                var rendered = renderer.Render(Read(file.FullName, limits), text, style, _);
                // A GIF or BMP becomes a PNG named .png; should that name be another input's, the source's full name is kept in front.
                var name = rendered.Format.NameFor(file.Name);
                name = claimed.TryAdd(name, true) ? name : file.Name + rendered.Format.Extension;
                File.WriteAllBytes(Path.Combine(outPath, name), rendered.Data.ToArray());
            }
            catch (Exception ex) when (Refusal(ex) is { } reason)
            {
                Interlocked.Increment(ref failed);
                lock (error)
                {
                    error.WriteLine($"{file.Name}: {reason}");
                }
            }

            Interlocked.Increment(ref done);
            return ValueTask.CompletedTask;
        });

        await progress.DisposeAsync(); // waits for a report under way: the summary is the last line
        var seconds = watch.Elapsed.TotalSeconds;
        lock (output)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Rendered {done - failed} of {files.Count} images in {seconds:0.0} s: {(done / Math.Max(seconds, 1e-6)):0.0} images/s, {threads} at a time ({failed} failed)."));
        }

        return failed == 0 ? 0 : 1;

        void Report()
        {
            lock (output)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Volatile.Read(ref done)}/{files.Count} images, {Volatile.Read(ref done) / watch.Elapsed.TotalSeconds:0.0} images/s"));
            }
        }
    }

    /// <summary>The file's bytes, refused without reading when over the size limit.</summary>
    private static byte[] Read(string path, RenderLimits limits)
    {
        var length = new FileInfo(path).Length;
        return length > limits.MaxSourceBytes ? throw JobFailedException.SourceTooLarge(length, limits.MaxSourceBytes) : File.ReadAllBytes(path);
    }

    private static string? Refusal(Exception ex) => ex switch
    {
        JobFailedException failed => $"{failed.Code}: {failed.Message}",
        IOException or UnauthorizedAccessException => ex.Message,
        _ => null,
    };

    private static OutputFormat? FormatOf(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".JPG" or ".JPEG" => OutputFormat.Jpeg,
        ".PNG" => OutputFormat.Png,
        ".WEBP" => OutputFormat.Webp,
        _ => null,
    };
}
