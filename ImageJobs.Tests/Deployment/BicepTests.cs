using System.Text.Json;
using ImageJobs.AppHost;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Deployment;

/// <summary>ImageJobs.AppHost/infra/*.bicep compiled offline with the Bicep CLI from NuGet, as `azd provision` would.</summary>
[Trait("Category", "Deployment")]
public sealed class BicepTests
{
    private const string BlobDataContributorRole = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string TableDataContributorRole = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";

    public static TheoryData<string> BicepFiles()
    {
        var files = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(DeploymentFiles.InfraDirectory, "*.bicep").Order())
        {
            files.Add(Path.GetFileName(file));
        }

        return files;
    }

    private static Task<DeploymentFiles.ProcessResult> BuildAsync(string bicepFile, string outputFile) =>
        DeploymentFiles.RunAsync(DeploymentFiles.BicepCli, ["build", bicepFile, "--outfile", outputFile],
            Path.GetDirectoryName(bicepFile)!, TimeSpan.FromMinutes(2),
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" });

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public async Task Bicep_file_compiles_without_errors_or_warnings(string file)
    {
        using var output = new ScratchDirectory();

        var result = await BuildAsync(Path.Combine(DeploymentFiles.InfraDirectory, file), Path.Combine(output.Path, "out.json"));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(string.Empty, result.StandardError.Trim()); // the linter's warnings go here
        using var template = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output.Path, "out.json")));
        Assert.Contains("deploymentTemplate.json", template.RootElement.GetProperty("$schema").GetString(), StringComparison.OrdinalIgnoreCase); // also subscriptionDeploymentTemplate
    }

    [Fact]
    public async Task The_compile_check_fails_on_a_broken_file_and_on_a_warning()
    {
        using var scratch = new ScratchDirectory();
        var broken = Path.Combine(scratch.Path, "broken.bicep");
        await File.WriteAllTextAsync(broken, "resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: missingName\n}\n");
        var unused = Path.Combine(scratch.Path, "unused.bicep");
        await File.WriteAllTextAsync(unused, "param unused string\n");

        var brokenResult = await BuildAsync(broken, Path.Combine(scratch.Path, "broken.json"));
        var unusedResult = await BuildAsync(unused, Path.Combine(scratch.Path, "unused.json"));

        Assert.NotEqual(0, brokenResult.ExitCode);
        Assert.Contains("Warning", unusedResult.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_storage_account_refuses_keys_and_holds_the_AppHost_containers()
    {
        using var output = new ScratchDirectory();
        var compiled = Path.Combine(output.Path, "storage.json");
        var result = await BuildAsync(Path.Combine(DeploymentFiles.InfraDirectory, "storage.bicep"), compiled);
        Assert.True(result.ExitCode == 0, result.Output);
        var text = await File.ReadAllTextAsync(compiled);
        using var template = JsonDocument.Parse(text);

        var resources = template.RootElement.GetProperty("resources");
        var all = resources.ValueKind == JsonValueKind.Array ? resources.EnumerateArray().ToList() : resources.EnumerateObject().Select(r => r.Value).ToList();
        var account = all.Single(r => r.GetProperty("type").GetString() == "Microsoft.Storage/storageAccounts").GetProperty("properties");
        Assert.False(account.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(account.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.Equal("TLS1_2", account.GetProperty("minimumTlsVersion").GetString());

        var containers = template.RootElement.GetProperty("variables").GetProperty("containerNames").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Equal([ServiceConfiguration.SourcesContainer, ServiceConfiguration.ResultsContainer, ServiceConfiguration.BatchesContainer, ServiceConfiguration.TemplatesContainer, ServiceConfiguration.ControlsContainer, ServiceConfiguration.FontsContainer], containers);
        Assert.Contains(BlobDataContributorRole, text, StringComparison.Ordinal);
        Assert.Contains("blobEndpoint", template.RootElement.GetProperty("outputs").EnumerateObject().Select(o => o.Name));

        // Least privilege: each app's roles are on single containers; workers read sources,
        // controls and fonts, write results, and of the batches read only their templates.
        var access = template.RootElement.GetProperty("variables").GetProperty("containerAccess").EnumerateArray()
            .Select(a => $"{a.GetProperty("identity").GetString()} {a.GetProperty("container").GetString()} {a.GetProperty("role").GetString()}").Order().ToList();
        Assert.Equal(
        [
            "producer batches Storage Blob Data Contributor",
            "producer controls Storage Blob Data Contributor",
            "producer fonts Storage Blob Data Contributor",
            "producer results Storage Blob Data Contributor",
            "producer sources Storage Blob Data Contributor",
            "producer templates Storage Blob Data Contributor",
            "worker batches Storage Blob Data Reader",
            "worker controls Storage Blob Data Reader",
            "worker fonts Storage Blob Data Reader",
            "worker results Storage Blob Data Contributor",
            "worker sources Storage Blob Data Reader",
        ], access);
        var conditioned = Assert.Single(template.RootElement.GetProperty("variables").GetProperty("containerAccess").EnumerateArray(),
            a => a.GetProperty("condition").GetString() is { Length: > 0 });
        Assert.Equal("batches", conditioned.GetProperty("container").GetString());
        Assert.Contains("blobs:path] StringLike '*/template.json'", template.RootElement.GetProperty("variables").GetProperty("batchTemplatesOnly").GetString(), StringComparison.Ordinal);
        var assignments = all.Where(r => r.GetProperty("type").GetString() == "Microsoft.Authorization/roleAssignments").ToList();
        var perContainer = Assert.Single(assignments, a => a.TryGetProperty("copy", out _));
        Assert.Contains("blobServices/containers", perContainer.GetProperty("scope").GetString(), StringComparison.Ordinal);
        Assert.Equal("[length(variables('containerAccess'))]", perContainer.GetProperty("copy").GetProperty("count").GetString());
        // The producer's batch state and its API keys: row access to each of its two tables, nothing more; the workers have none.
        var tables = assignments.Where(a => a.GetProperty("scope").GetString()!.Contains("tableServices/tables", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, tables.Count);
        Assert.Contains(tables, t => t.GetProperty("scope").GetString()!.Contains("batchTableName", StringComparison.Ordinal));
        Assert.Contains(tables, t => t.GetProperty("scope").GetString()!.Contains("apiKeyTableName", StringComparison.Ordinal));
        Assert.Equal(TableDataContributorRole, template.RootElement.GetProperty("variables").GetProperty("tableDataContributorRole").GetString());
        foreach (var table in tables)
        {
            Assert.Contains("tableDataContributorRole", table.GetProperty("properties").GetProperty("roleDefinitionId").GetString(), StringComparison.Ordinal);
            Assert.Contains("producerPrincipalId", table.GetProperty("properties").GetProperty("principalId").GetString(), StringComparison.Ordinal);
        }

        Assert.Contains("tableEndpoint", template.RootElement.GetProperty("outputs").EnumerateObject().Select(o => o.Name));

        // The only account-wide assignment is the deploying user's, for uploading sources.
        var accountWide = Assert.Single(assignments, a => !a.TryGetProperty("copy", out _) && !a.GetProperty("scope").GetString()!.Contains("tableServices/tables", StringComparison.Ordinal));
        Assert.Contains("userPrincipalId", accountWide.GetProperty("properties").GetProperty("principalId").GetString(), StringComparison.Ordinal);
    }
}
