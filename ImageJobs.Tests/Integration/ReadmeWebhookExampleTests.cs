using System.Net.Http.Json;
using System.Text.Json;
using ImageJobs.Producer.Webhooks;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// The README's webhook submission, run as written (bash and curl) against a real producer, with
/// only the producer's address put in: the batch is accepted with its callback, which the API shows.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class ReadmeWebhookExampleTests(LocalInfrastructure infrastructure) : IAsyncLifetime
{
    private readonly string _suffix = "readme" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => ServiceHosts.ResetQueuesAsync(infrastructure);

    public async Task DisposeAsync()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await infrastructure.Tables().DeleteTableAsync(LocalInfrastructure.TableName(_suffix));
    }

    [Fact]
    public async Task The_readme_webhook_submission_is_accepted_and_its_callback_shown()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.UploadBlobAsync("samples/sample-001.jpg", BinaryData.FromBytes(TestImages.Jpeg(1)));

        // The secret and the submission: the block's first two commands (the second spans three lines).
        var script = string.Join('\n', ReadmeExamples.BashBlockAfter("## Webhooks").Split('\n').Take(4));
        Assert.Contains("curl -s -X POST", script, StringComparison.Ordinal);

        var accepted = JsonDocument.Parse(await ReadmeExamples.RunAsync(script, producer.Address)).RootElement;
        Assert.Equal(1, accepted.GetProperty("total").GetInt32());

        var deliveries = (await producer.Http.GetFromJsonAsync<WebhookDeliveries>($"/api/batches/{accepted.GetProperty("batchId").GetString()}/webhooks"))!;
        Assert.Equal(("https://hooks.example.com/imagejobs", true), (deliveries.Url, deliveries.OnFailure));
    }
}
