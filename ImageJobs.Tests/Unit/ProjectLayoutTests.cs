using System.Xml.Linq;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Unit;

/// <summary>
/// The solution's layout as a rule: hosts stay thin and share code only through libraries, and
/// the libraries stand on their own (docs/ARCHITECTURE.md).
/// </summary>
[Trait("Category", "Unit")]
public class ProjectLayoutTests
{
    private static readonly string[] Hosts = ["ImageJobs.AppHost", "ImageJobs.Producer", "ImageJobs.Worker", "ImageJobs.Cli"];

    [Fact]
    public void No_service_references_another_host()
    {
        // The AppHost's references name the services it runs (Aspire project resources), not code it uses.
        foreach (var service in Hosts.Where(h => h != "ImageJobs.AppHost"))
        {
            Assert.Empty(ProjectReferences(service).Intersect(Hosts));
        }
    }

    [Theory]
    [InlineData("ImageJobs.Contracts")]
    [InlineData("ImageJobs.Rendering")]
    [InlineData("ImageJobs.Messaging")]
    [InlineData("ImageJobs.Storage")]
    [InlineData("ImageJobs.Client")]
    public void A_library_references_no_host(string library) =>
        Assert.Empty(ProjectReferences(library).Intersect(Hosts));

    [Theory]
    [InlineData("ImageJobs.Contracts")]
    [InlineData("ImageJobs.Rendering")]
    public void Contracts_and_rendering_do_not_reference_messaging(string library) =>
        Assert.DoesNotContain("ImageJobs.Messaging", ProjectReferences(library));

    [Fact]
    public void Contracts_depend_on_no_broker_renderer_or_web_framework()
    {
        var project = Load("ImageJobs.Contracts");
        var packages = project.Descendants("PackageReference").Select(p => (string)p.Attribute("Include")!).ToList();
        var frameworks = project.Descendants("FrameworkReference").Select(p => (string)p.Attribute("Include")!).ToList();

        Assert.Empty(ProjectReferences("ImageJobs.Contracts"));
        Assert.DoesNotContain(packages, p => p.StartsWith("SkiaSharp", StringComparison.Ordinal) || p.Contains("RabbitMQ", StringComparison.Ordinal));
        Assert.DoesNotContain("Microsoft.AspNetCore.App", frameworks);
        Assert.Equal("Microsoft.NET.Sdk", (string?)project.Root!.Attribute("Sdk"));
    }

    [Fact]
    public void Rendering_has_no_io_hosting_or_configuration_packages()
    {
        var packages = Load("ImageJobs.Rendering").Descendants("PackageReference").Select(p => (string)p.Attribute("Include")!);

        Assert.DoesNotContain(packages, p => p.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)
            || p.StartsWith("Azure.", StringComparison.Ordinal) || p.Contains("RabbitMQ", StringComparison.Ordinal));
    }

    private static XDocument Load(string project) =>
        XDocument.Load(Path.Combine(Repository.Root, project, project + ".csproj"));

    private static IReadOnlyList<string> ProjectReferences(string project) =>
        [.. Load(project).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(((string)r.Attribute("Include")!).Replace('\\', '/')))];
}
