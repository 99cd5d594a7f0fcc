using ImageJobs.Contracts;
using ImageJobs.Tests.Support;
using ImageJobs.Worker.Cli;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>The worker's <c>render</c> command on real files: one file, a folder, and bad arguments.</summary>
[Trait("Category", "Rendering")]
public sealed class RenderCommandTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new("imagejobs-render-cli");

    [Fact]
    public void A_folder_renders_every_image_into_the_out_folder_and_reports_images_per_second()
    {
        var input = Directory.CreateDirectory(Path.Combine(_scratch.Path, "in")).FullName;
        File.WriteAllBytes(Path.Combine(input, "a.jpg"), TestImages.Gradient(120, 80, SKEncodedImageFormat.Jpeg));
        File.WriteAllBytes(Path.Combine(input, "b.png"), TestImages.Gradient(90, 60));
        File.WriteAllBytes(Path.Combine(input, "c.bmp"), TestImages.Bmp(40, 30, SKColors.Teal));
        File.WriteAllBytes(Path.Combine(input, "broken.jpg"), "<html>not a picture</html>"u8.ToArray());
        File.WriteAllText(Path.Combine(input, "notes.txt"), "not an image extension: skipped");
        var output = Path.Combine(_scratch.Path, "out");

        var (code, stdout, stderr) = Run("render", "--in", input, "--out", output, "--text", "Hello\\nworld", "--threads", "2");

        Assert.Equal(1, code); // one refused
        Assert.Equal(["a.jpg", "b.png", "c.png"], Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains($"broken.jpg: {ErrorCodes.NotAnImage}", stderr, StringComparison.Ordinal);
        Assert.Matches(@"Rendered 3 of 4 images in [\d.]+ s: [\d.]+ images/s, 2 at a time \(1 failed\)\.\s*$", stdout);
        using var c = TestImages.Decode(File.ReadAllBytes(Path.Combine(output, "c.png")));
        Assert.Equal((40, 30), (c.Width, c.Height));
    }

    [Fact]
    public void A_file_renders_to_a_file_in_the_format_of_its_extension()
    {
        var input = Path.Combine(_scratch.Path, "photo.jpg");
        File.WriteAllBytes(input, TestImages.Gradient(120, 80, SKEncodedImageFormat.Jpeg));
        var output = Path.Combine(_scratch.Path, "photo.webp");

        var (code, stdout, _) = Run("render", "--in", input, "--out", output, "--text", "Hi", "--threads", "1");

        Assert.Equal(0, code);
        Assert.Contains("120x80 webp", stdout, StringComparison.Ordinal);
        Assert.Equal("WEBP"u8.ToArray(), File.ReadAllBytes(output)[8..12]);
    }

    [Theory]
    [InlineData("--threads", "0")]
    [InlineData("--text", null)]
    [InlineData("--in", "/nonexistent/folder")]
    public void Bad_arguments_are_refused_with_usage(string option, string? value)
    {
        var input = Path.Combine(_scratch.Path, "photo.png");
        File.WriteAllBytes(input, TestImages.Gradient(20, 20));
        var args = new List<string> { "render", "--in", input, "--out", Path.Combine(_scratch.Path, "out.png"), "--text", "x" };
        var at = args.IndexOf(option);
        if (at < 0)
        {
            args.AddRange([option, value!]);
        }
        else if (value is null)
        {
            args.RemoveRange(at, 2);
        }
        else
        {
            args[at + 1] = value;
        }

        var (code, _, stderr) = Run([.. args]);

        Assert.Equal(2, code);
        Assert.Contains("usage:", stderr, StringComparison.Ordinal);
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = RenderCommand.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    public void Dispose() => _scratch.Dispose();
}
