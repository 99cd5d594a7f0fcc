using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImageJobs.Tests.Support;

/// <summary>
/// The real AppHost as the end-to-end tests, the fault suite and the benchmark harness start it
/// (the harness compiles this file too): RabbitMQ and Azurite as local processes with their data in
/// a scratch directory, no demo batch.
/// </summary>
public static class LocalAppHost
{
    /// <param name="settings">More of the AppHost's settings, as <c>Key=Value</c>.</param>
    public static Task<IDistributedApplicationTestingBuilder> CreateBuilderAsync(string dataDirectory, int workers, params string[] settings) =>
        DistributedApplicationTestingBuilder.CreateAsync<Projects.ImageJobs_AppHost>(
        [
            "Infrastructure:Mode=LocalProcesses",
            $"LocalInfrastructure:DataDirectory={dataDirectory}",
            "Demo:Enabled=false",
            $"Workers:Replicas={workers}",
            .. settings,
        ]);

    /// <summary>Starts the app and waits until the producer is healthy (its queues and containers exist).</summary>
    public static async Task StartAsync(DistributedApplication app, TimeSpan timeout)
    {
        await app.StartAsync().WaitAsync(timeout);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("producer").WaitAsync(timeout);
    }

    /// <summary>
    /// Builds and starts the app, its resources' console lines (the broker's boot log and the like)
    /// shown only from warnings up, so a test's output holds them only when something goes wrong.
    /// </summary>
    public static async Task<DistributedApplication> StartQuietAsync(string dataDirectory, int workers, TimeSpan timeout)
    {
        var builder = await CreateBuilderAsync(dataDirectory, workers);
        builder.Services.AddLogging(logging => logging
            .AddFilter("ImageJobs.AppHost.Resources", LogLevel.Warning)
            .AddFilter("Aspire.Hosting", LogLevel.Warning));
        var app = await builder.BuildAsync();
        try
        {
            await StartAsync(app, timeout);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Something only this app's service processes carry in their environment (the blob endpoint,
    /// on a port of its own), to tell them from any other run's.
    /// </summary>
    public static string ServiceMarker(string blobConnectionString) =>
        "BlobEndpoint=" + blobConnectionString.Split("BlobEndpoint=")[1].Split(';')[0];
}
