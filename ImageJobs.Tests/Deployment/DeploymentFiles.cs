using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImageJobs.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace ImageJobs.Tests.Deployment;

/// <summary>The files azd deploys from, and the tools that check them offline.</summary>
internal static partial class DeploymentFiles
{
    public static string InfraDirectory => Path.Combine(Repository.Root, "ImageJobs.AppHost", "infra");

    public static string TemplatesDirectory => Path.Combine(Repository.Root, "ImageJobs.AppHost", "infra");

    public static string TemplatePath(string service) => Path.Combine(TemplatesDirectory, $"{service}.tmpl.yaml");

    /// <summary>The Bicep CLI restored from NuGet (Azure.Bicep.CommandLine.linux-x64), located at build time.</summary>
    public static string BicepCli
    {
        get
        {
            var package = typeof(DeploymentFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "BicepPackagePath").Value;
            Assert.False(string.IsNullOrEmpty(package), "Azure.Bicep.CommandLine.linux-x64 was not restored");
            return Path.Combine(package!, "tools", "bicep");
        }
    }

    /// <summary>
    /// A Container App template as azd would see it after filling in its {{ ... }} expressions, with
    /// each expression replaced by a readable stand-in: env.NAME, secured.NAME, param.NAME, image, or
    /// the default port. An expression azd would not understand fails the test.
    /// </summary>
    public static YamlMappingNode LoadTemplate(string service)
    {
        var text = File.ReadAllText(TemplatePath(service));
        var stream = new YamlStream();
        stream.Load(new StringReader(TemplateExpression().Replace(text, m => StandIn(m.Groups[1].Value))));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    /// <summary>Every {{ ... }} expression in a template, as written.</summary>
    public static IReadOnlyList<string> TemplateExpressions(string service) =>
        TemplateExpression().Matches(File.ReadAllText(TemplatePath(service))).Select(m => m.Groups[1].Value).ToList();

    private static string StandIn(string expression)
    {
        if (EnvExpression().Match(expression) is { Success: true } env)
        {
            return "env." + env.Groups[1].Value;
        }

        if (ParameterExpression().Match(expression) is { Success: true } parameter)
        {
            return (parameter.Groups[1].Value == "securedParameter" ? "secured." : "param.") + parameter.Groups[2].Value;
        }

        if (TargetPortExpression().Match(expression) is { Success: true } port)
        {
            return port.Groups[1].Value;
        }

        return expression == ".Image" ? "image" : throw new InvalidOperationException($"Not an azd template expression: {{{{ {expression} }}}}");
    }

    public static YamlNode At(this YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            var mapping = Assert.IsType<YamlMappingNode>(node);
            Assert.True(mapping.Children.TryGetValue(new YamlScalarNode(key), out var child), $"missing '{key}'");
            node = child!;
        }

        return node;
    }

    public static YamlNode? Find(this YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out var child))
            {
                return null;
            }

            node = child;
        }

        return node;
    }

    public static string Text(this YamlNode node) => Assert.IsType<YamlScalarNode>(node).Value!;

    public static int Integer(this YamlNode node) => int.Parse(node.Text(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The first container's env, name to (value, secretRef).</summary>
    public static IReadOnlyDictionary<string, (string? Value, string? SecretRef)> Environment(this YamlNode template)
    {
        var container = (YamlMappingNode)((YamlSequenceNode)template.At("properties", "template", "containers")).Children.Single();
        return ((YamlSequenceNode)container.At("env")).Children.Cast<YamlMappingNode>().ToDictionary(
            e => e.At("name").Text(),
            e => (e.Find("value")?.Text(), e.Find("secretRef")?.Text()));
    }

    /// <summary>Writes the AppHost's publish manifest (what azd reads) and parses it.</summary>
    public static async Task<JsonDocument> PublishManifestAsync(string outputDirectory)
    {
        var path = Path.Combine(outputDirectory, "manifest.json");
        var result = await RunAsync(Repository.AppHostExecutable, ["--publisher", "manifest", "--output-path", path],
            Path.Combine(Repository.Root, "ImageJobs.AppHost"), TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.Output);
        return JsonDocument.Parse(await File.ReadAllTextAsync(path));
    }

    public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
    {
        public string Output => StandardOutput + StandardError;
    }

    public static async Task<ProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new(process.ExitCode, await stdout, await stderr);
    }

    [GeneratedRegex(@"\{\{\s*(.*?)\s*\}\}")]
    private static partial Regex TemplateExpression();

    [GeneratedRegex(@"^\.Env\.([A-Z0-9_]+)$")]
    private static partial Regex EnvExpression();

    [GeneratedRegex("^(parameter|securedParameter|parameterWithDefault) \"([a-z0-9_]+)\"( \"[^\"]*\")?$")]
    private static partial Regex ParameterExpression();

    [GeneratedRegex(@"^targetPortOrDefault (\d+)$")]
    private static partial Regex TargetPortExpression();
}
