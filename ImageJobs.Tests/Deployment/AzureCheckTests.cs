using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Deployment;

/// <summary>
/// scripts/azure-check.sh against recorded outputs of az, azd and the producer (Deployment/AzureCheck:
/// fake az, azd and curl on PATH answer from the fixtures of one deployment, healthy or broken).
/// </summary>
[Trait("Category", "Deployment")]
public sealed class AzureCheckTests
{
    private const string AccessKey = "k3y-0f-the-producer-for-tests";

    private static async Task<(DeploymentFiles.ProcessResult Result, string Calls)> RunAsync(string deployment)
    {
        using var scratch = new ScratchDirectory();
        var fakes = Path.Combine(Repository.Root, "ImageJobs.Tests", "Deployment", "AzureCheck");
        var calls = Path.Combine(scratch.Path, "calls");
        var result = await DeploymentFiles.RunAsync("bash", [Path.Combine(Repository.Root, "scripts", "azure-check.sh")], scratch.Path, TimeSpan.FromMinutes(2),
            new Dictionary<string, string>
            {
                ["PATH"] = fakes + ":" + Environment.GetEnvironmentVariable("PATH"),
                ["FIXTURES"] = Path.Combine(fakes, deployment),
                ["CALLS"] = calls,
                ["AZURE_CHECK_POLL_SECONDS"] = "1",
                ["AZURE_CHECK_BATCH_TIMEOUT_SECONDS"] = "3",
            });
        return (result, await File.ReadAllTextAsync(calls));
    }

    [Fact]
    public async Task A_healthy_deployment_passes_every_step_with_the_batch_done_and_the_scaler_started()
    {
        var (result, calls) = await RunAsync("healthy");

        Assert.True(result.ExitCode == 0, result.Output);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("azure-check: 8 passed, 0 failed", lines[^1]);
        Assert.DoesNotContain(lines, l => l.StartsWith("FAIL", StringComparison.Ordinal));
        Assert.Contains("PASS  batch: 20 of 20 succeeded", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("PASS  KEDA scaler: Scaler rabbitmq is built.", result.StandardOutput, StringComparison.Ordinal);
        // 20 sources uploaded in one request, and the key only ever in a header file.
        Assert.Equal(20, calls.Split("files=@").Length - 1);
        Assert.DoesNotContain(AccessKey, result.Output + calls, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broken_deployment_fails_the_steps_that_are_broken_each_with_its_fix()
    {
        var (result, calls) = await RunAsync("broken");

        Assert.NotEqual(0, result.ExitCode);
        var output = result.StandardOutput;
        Assert.EndsWith("azure-check: 5 passed, 3 failed", output.Trim(), StringComparison.Ordinal);
        Assert.Contains("FAIL  app worker: provisioning Succeeded, Running, latest revision worker--0000003 (ready: worker--0000002)", output, StringComparison.Ordinal);
        Assert.Contains("FAIL  batch: not done after 3s", output, StringComparison.Ordinal);
        // The scaler's own error is shown, not only the event that followed it.
        Assert.Contains("last scaler error: error establishing rabbitmq connection: dial tcp: lookup messaging on 100.100.224.10:53: no such host", output, StringComparison.Ordinal);
        Assert.Equal(3, output.Split("\n      fix: ").Length - 1);
        Assert.Contains("fix: az containerapp show -g rg-imagejobs-dev -n worker --query properties.template.scale", output, StringComparison.Ordinal);
        Assert.DoesNotContain(AccessKey, result.Output + calls, StringComparison.Ordinal);
    }
}
