using ImageJobs.AppHost.Infrastructure;
using ImageJobs.Messaging;
using ImageJobs.Worker;
using ImageJobs.Worker.Processing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace ImageJobs.Tests.Support;

/// <summary>
/// Real worker hosts wired to the test infrastructure, with containers of their own, connected
/// as the broker's worker user (as the AppHost connects them), so every test holds them to its permissions.
/// </summary>
public static class ServiceHosts
{
    public static IHost Worker(LocalInfrastructure infrastructure, string containerSuffix, bool consume = true,
        string? blobConnectionString = null, IDictionary<string, string?>? settings = null, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(infrastructure.ServiceSettings(containerSuffix, blobConnectionString));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:messaging"] = infrastructure.ConnectionString(BrokerRole.Worker),
            // Fail fast against an unreachable store, so transient retries are quick to observe.
            ["Blobs:blobs:MaxRetries"] = "1",
            ["Blobs:blobs:NetworkTimeout"] = "00:00:05",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddWorkerServices();
        if (consume)
        {
            builder.Services.AddHostedService<JobConsumerService>();
        }

        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>Declares the topology and empties every queue: tests in one collection share the broker.</summary>
    public static async Task ResetQueuesAsync(LocalInfrastructure infrastructure)
    {
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await JobTopology.DeclareAsync(channel, new MessagingOptions(), CancellationToken.None);
        foreach (var queue in new[] { JobTopology.JobsQueue, JobTopology.OutcomesQueue, JobTopology.DeadLetterQueue, JobTopology.DeadLetterEventsQueue, JobTopology.ParkedQueue }
            .Concat(JobTopology.RetryDelays.Select(JobTopology.RetryQueue)))
        {
            await channel.QueuePurgeAsync(queue);
        }
    }

    public static async Task<uint> ReadyCountAsync(IChannel channel, string queue) =>
        (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
}
