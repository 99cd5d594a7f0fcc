using ImageJobs.Rendering;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Deployment;

/// <summary>What goes into the container images: the publish output, and the project's container settings.</summary>
[Trait("Category", "Deployment")]
public sealed class PublishTests(PublishFixture published) : IClassFixture<PublishFixture>
{
    private static readonly string[] BundledFonts = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE.txt"];

    private static readonly string[] ThirdPartyLicenses =
        ["README.md", "libvips-THIRD-PARTY-NOTICES.md", "libvips-bundled-versions.json", "LGPL-2.1.txt", "LGPL-3.0.txt", "NetVips-LICENSE.txt", "QRCoder-LICENSE.txt", "Apache-2.0.txt", "libjpeg-turbo-copyright.txt"];

    [Fact]
    public void Both_services_publish_the_bundled_fonts_with_their_licence_and_the_native_renderer()
    {
        // The producer renders previews and sample images with the worker's renderer.
        foreach (var output in new[] { published.Worker, published.Producer })
        {
            foreach (var file in BundledFonts)
            {
                var path = Path.Combine(output, "Fonts", "DejaVu", file);
                Assert.True(File.Exists(path) && new FileInfo(path).Length > 0, $"missing {path}");
            }

            Assert.True(File.Exists(Path.Combine(output, "libSkiaSharp.so")), $"no linux-x64 libSkiaSharp.so in {output}");
            Assert.True(File.Exists(Path.Combine(output, "libvips.so.42")), $"no bundled libvips.so.42 (NetVips.Native.linux-x64) in {output}");
            Assert.True(File.Exists(Path.Combine(output, "libturbojpeg.so.0")), $"no libturbojpeg.so.0 (the Blocks path) in {output}");
            foreach (var file in ThirdPartyLicenses)
            {
                var path = Path.Combine(output, "ThirdPartyLicenses", file);
                Assert.True(File.Exists(path) && new FileInfo(path).Length > 0, $"missing {path}");
            }
        }
    }

    [Fact]
    public async Task The_published_worker_renders_with_its_bundled_fonts_and_nothing_else()
    {
        // A small program is compiled against the published renderer and run in the publish folder with
        // the worker's own runtimeconfig and deps.json: the same assemblies, native libraries and
        // Fonts/ folder as in the image. No fontconfig is reachable.
        var harness = await CompileHarnessAsync("RenderCheck", """
            using var bitmap = new SkiaSharp.SKBitmap(320, 200);
            bitmap.Erase(new SkiaSharp.SKColor(30, 60, 90));
            using var png = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
            using var fonts = new ImageJobs.Rendering.FontLibrary();
            using var renderer = new ImageJobs.Rendering.ImageRenderer(fonts, new ImageJobs.Rendering.RenderLimits());
            var result = renderer.Render(png.ToArray(), "Deployed");
            System.Console.WriteLine($"{result.Format.Name} {result.Width}x{result.Height} {result.Data.Length}");
            using var jpeg = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 80);
            var fromJpeg = renderer.Render(jpeg.ToArray(), "Deployed");
            System.Console.WriteLine($"{fromJpeg.Format.Name} {fromJpeg.Width}x{fromJpeg.Height} {fromJpeg.Data.Length} {fromJpeg.Path}");
            foreach (var library in new[] { "libvips.so.42", "libturbojpeg.so.0" })
            {
                string? mapped = null;
                foreach (var line in System.IO.File.ReadLines("/proc/self/maps"))
                {
                    if (line.EndsWith(library, System.StringComparison.Ordinal))
                    {
                        mapped = line.Substring(line.IndexOf('/'));
                        break;
                    }
                }

                System.Console.WriteLine(mapped ?? "not mapped: " + library);
            }
            """);
        var environment = new Dictionary<string, string> { ["FONTCONFIG_FILE"] = "/nonexistent", ["FONTCONFIG_PATH"] = "/nonexistent" };

        var rendered = await RunHarnessAsync(harness, environment);
        Assert.True(rendered.ExitCode == 0, rendered.Output);
        var lines = rendered.StandardOutput.Trim().Split('\n');
        Assert.Matches(@"^png 320x200 \d+$", lines[0]);
        Assert.Matches(@"^jpeg 320x200 \d+ Blocks$", lines[1]);
        // The codecs are the publish folder's bundled libvips and libturbojpeg, not system ones.
        Assert.Equal(Path.Combine(published.Worker, "libvips.so.42"), lines[2].Trim());
        Assert.Equal(Path.Combine(published.Worker, "libturbojpeg.so.0"), lines[3].Trim());

        // And the fonts really come from the publish folder: without it, rendering fails.
        var fonts = Path.Combine(published.Worker, "Fonts");
        Directory.Move(fonts, fonts + ".hidden");
        try
        {
            var withoutFonts = await RunHarnessAsync(harness, environment);
            Assert.NotEqual(0, withoutFonts.ExitCode);
            Assert.Contains("Bundled font missing", withoutFonts.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Move(fonts + ".hidden", fonts);
        }
    }

    [Theory]
    [InlineData("ImageJobs.Producer", "imagejobs/producer", "8080")]
    [InlineData("ImageJobs.Worker", "imagejobs/worker", "")]
    public async Task The_image_runs_as_a_non_root_user_under_its_repository_name(string project, string repository, string port)
    {
        var result = await DeploymentFiles.RunAsync("dotnet",
            ["msbuild", Path.Combine(Repository.Root, project, project + ".csproj"), "-nologo",
             "-getProperty:ContainerRepository", "-getProperty:ContainerUser", "-getItem:ContainerPort"],
            Repository.Root, TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.Output);
        using var json = System.Text.Json.JsonDocument.Parse(result.StandardOutput);
        var properties = json.RootElement.GetProperty("Properties");

        Assert.Equal(repository, properties.GetProperty("ContainerRepository").GetString());
        var user = properties.GetProperty("ContainerUser").GetString();
        Assert.False(string.IsNullOrEmpty(user) || user is "root" or "0", $"ContainerUser '{user}' is root");
        var ports = json.RootElement.GetProperty("Items").TryGetProperty("ContainerPort", out var items)
            ? string.Join(",", items.EnumerateArray().Select(i => i.GetProperty("Identity").GetString()))
            : string.Empty;
        Assert.Equal(port, ports);
    }

    [Fact]
    public async Task The_published_worker_breaks_and_orders_text_with_the_system_icu_not_in_invariant_mode()
    {
        // Line breaking and bidi come from the system ICU (icu.net over libicu, which .NET's
        // globalization loads too): the worker must not run in invariant mode, nor on a base image
        // without ICU (the chiseled images have none; their -extra variants do).
        var runtimeConfig = Path.Combine(published.Worker, "ImageJobs.Worker.runtimeconfig.json");
        using (var config = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(runtimeConfig)))
        {
            var invariant = config.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties)
                && properties.TryGetProperty("System.Globalization.Invariant", out var value) && value.GetBoolean();
            Assert.False(invariant, $"{runtimeConfig} sets System.Globalization.Invariant");
        }

        var project = Path.Combine(Repository.Root, "ImageJobs.Worker", "ImageJobs.Worker.csproj");
        var family = await DeploymentFiles.RunAsync("dotnet", ["msbuild", project, "-nologo", "-getProperty:ContainerFamily"], Repository.Root, TimeSpan.FromMinutes(2));
        Assert.True(family.ExitCode == 0, family.Output);
        var containerFamily = family.StandardOutput.Trim();
        Assert.False(containerFamily.Contains("chiseled", StringComparison.Ordinal) && !containerFamily.Contains("extra", StringComparison.Ordinal),
            $"ContainerFamily '{containerFamily}' has no ICU");

        // In the publish folder, with the worker's runtimeconfig: a Thai sentence breaks between
        // its words (ICU's dictionary), Hebrew after Latin gets level 1, and a culture loads.
        var harness = await CompileHarnessAsync("UnicodeCheck", """
            using var breaks = new ImageJobs.Rendering.Layout.TextBreaks();
            var marks = breaks.Analyze("ภาษาไทยง่ายนิดเดียว");
            var opportunities = string.Join(",", System.Linq.Enumerable.Where(System.Linq.Enumerable.Range(0, marks.Length), i => (marks[i] & ImageJobs.Rendering.Layout.BreakMarks.LineBreak) != 0));
            var levels = string.Concat(ImageJobs.Rendering.Layout.Bidi.Resolve("ab אב").Levels);
            var culture = System.Globalization.CultureInfo.GetCultureInfo("th-TH").NativeName;
            System.Console.WriteLine($"icu {Icu.Wrapper.IcuVersion}; breaks {opportunities}; levels {levels}; {culture}");
            """);
        var checkedRun = await RunHarnessAsync(harness, new Dictionary<string, string>());
        Assert.True(checkedRun.ExitCode == 0, checkedRun.Output);
        Assert.Matches(@"^icu \d+\.\d+; breaks 4,7,11,14; levels 00011; ไทย", checkedRun.StandardOutput.Trim());
    }

    private async Task<string> CompileHarnessAsync(string name, string program)
    {
        var dotnetRoot = Path.GetDirectoryName(System.Environment.ProcessPath) is { } dir && File.Exists(Path.Combine(dir, "dotnet"))
            ? dir : "/usr/share/dotnet";
        var compiler = Directory.GetFiles(Path.Combine(dotnetRoot, "sdk"), "csc.dll", SearchOption.AllDirectories)
            .Where(p => p.Contains(Path.Combine("Roslyn", "bincore"), StringComparison.Ordinal)).Order().Last();
        var references = Directory.GetDirectories(Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref")).Order().Last();
        var source = Path.Combine(published.Scratch, name + ".cs");
        await File.WriteAllTextAsync(source, program);
        var harness = Path.Combine(published.Worker, name + ".dll");
        string[] arguments =
        [
            compiler, "-nologo", "-noconfig", "-nostdlib", "-target:exe", "-out:" + harness,
            .. Directory.GetFiles(Path.Combine(references, "ref", "net10.0"), "*.dll").Select(r => "-r:" + r),
            "-r:" + Path.Combine(published.Worker, "ImageJobs.Rendering.dll"),
            "-r:" + Path.Combine(published.Worker, "ImageJobs.Contracts.dll"),
            "-r:" + Path.Combine(published.Worker, "SkiaSharp.dll"),
            "-r:" + Path.Combine(published.Worker, "icu.net.dll"),
            source,
        ];
        var compiled = await DeploymentFiles.RunAsync("dotnet", arguments, published.Scratch, TimeSpan.FromMinutes(2));
        Assert.True(compiled.ExitCode == 0, compiled.Output);
        return harness;
    }

    private Task<DeploymentFiles.ProcessResult> RunHarnessAsync(string harness, IReadOnlyDictionary<string, string> environment) =>
        DeploymentFiles.RunAsync("dotnet",
            ["exec", "--runtimeconfig", "ImageJobs.Worker.runtimeconfig.json", "--depsfile", "ImageJobs.Worker.deps.json", harness],
            published.Worker, TimeSpan.FromMinutes(1), environment);
}
