using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Deployment;

/// <summary>
/// `dotnet publish -r linux-x64 -c Release` of both services into a scratch folder, once for the
/// test class: the same output `dotnet publish /t:PublishContainer` packs into the images (the
/// base image cannot be pulled here, so the image itself is not built).
/// </summary>
public sealed class PublishFixture : IAsyncLifetime, IDisposable
{
    private readonly ScratchDirectory _scratch = new("imagejobs-publish");

    public string Worker => Path.Combine(_scratch.Path, "worker");

    public string Producer => Path.Combine(_scratch.Path, "producer");

    public string Scratch => _scratch.Path;

    public async Task InitializeAsync()
    {
        // One after the other: the producer's build reuses the worker's.
        await PublishAsync("ImageJobs.Worker", Worker);
        await PublishAsync("ImageJobs.Producer", Producer);
    }

    private static async Task PublishAsync(string project, string output)
    {
        var result = await DeploymentFiles.RunAsync("dotnet",
            ["publish", Path.Combine(Repository.Root, project, project + ".csproj"), "-r", "linux-x64", "-c", "Release", "-o", output, "-nologo"],
            Repository.Root, TimeSpan.FromMinutes(10));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish {project} failed:\n{result.Output}");
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _scratch.Dispose();
}
