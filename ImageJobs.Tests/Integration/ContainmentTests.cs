using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Rendering.Templates;
using ImageJobs.Tests.Support;
using ImageJobs.Worker.Processing;
using Microsoft.Extensions.DependencyInjection;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// Nothing outside the container a name is meant for can be read or written through a name from
/// outside: a preview's source, a batch item, a manifest row, a prefix, a download path, or the
/// locations in a job message a worker takes. Against a real Azurite, where the blob client turns
/// "../results/x" in the sources container into the results container's "x".
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class ContainmentTests(LocalInfrastructure infrastructure)
{
    private const string Secret = "b0/000000-secret.jpg";
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task No_request_reads_a_blob_outside_the_sources_container()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var (_, results, _) = await ContainersAsync();
        await results.UploadBlobAsync(Secret, BinaryData.FromBytes(TestImages.Jpeg(7)));
        var escape = $"../results-{_suffix}/{Secret}";

        using var preview = await producer.Http.PostAsJsonAsync("/api/preview", new { source = escape, text = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, preview.StatusCode);
        Assert.Contains("'..'", await ErrorAsync(preview, "source"), StringComparison.Ordinal);

        using var batch = await producer.Http.PostAsJsonAsync("/api/batches", new { items = new[] { new { source = escape, text = "x" } } });
        Assert.Equal(HttpStatusCode.BadRequest, batch.StatusCode);
        Assert.Contains("'..'", await ErrorAsync(batch, "items[0].source"), StringComparison.Ordinal);

        using var template = await producer.Http.PostAsJsonAsync("/api/batches", new { prefix = $"../results-{_suffix}/", template = "{name}" });
        Assert.Equal(HttpStatusCode.BadRequest, template.StatusCode);
        Assert.Contains("'..'", await ErrorAsync(template, "prefix"), StringComparison.Ordinal);

        var manifest = new MultipartFormDataContent { FormParts.File("m.csv", Encoding.UTF8.GetBytes($"image,text\n{escape},x\n"), "manifest") };
        using var rows = await producer.Http.PostAsync("/api/batches/manifest", manifest);
        Assert.Equal(HttpStatusCode.BadRequest, rows.StatusCode);
        var row = await ErrorAsync(rows, "line 2");
        Assert.StartsWith("column 1 (image): ", row, StringComparison.Ordinal);
        Assert.Contains("'..'", row, StringComparison.Ordinal);

        // A listing's prefix is a name from outside too: a control character is a 400 naming it, not the blob service's 500.
        foreach (var prefix in new[] { "%00", "a%0Ab/", $"../results-{_suffix}/" })
        {
            using var listing = await producer.Http.GetAsync("/api/sources?prefix=" + prefix);
            Assert.Equal(HttpStatusCode.BadRequest, listing.StatusCode);
            Assert.StartsWith("The prefix is refused", await ErrorAsync(listing, "prefix"), StringComparison.Ordinal);
        }

        // Download paths: encoded or not, a name never leaves its container.
        foreach (var path in new[]
        {
            $"/api/sources/content/..%2Fresults-{_suffix}%2F{Uri.EscapeDataString(Secret)}",
            $"/api/sources/content/%2E%2E/results-{_suffix}/{Secret}",
            $"/api/batches/..%2F..%2Fsources-{_suffix}/results",
            $"/api/results/..%2Fsources-{_suffix}%2Fany.jpg",
        })
        {
            using var download = await producer.Http.GetAsync(path);
            Assert.NotEqual(HttpStatusCode.OK, download.StatusCode);
        }

        Assert.Equal(0u, await ReadyJobsAsync());
    }

    [Fact]
    public async Task A_worker_refuses_a_message_whose_locations_leave_its_containers_and_writes_nothing()
    {
        var (sources, results, batches) = await ContainersAsync();
        await sources.UploadBlobAsync("in/a.jpg", BinaryData.FromBytes(TestImages.Jpeg(1)));
        await results.UploadBlobAsync(Secret, BinaryData.FromBytes(TestImages.Jpeg(7)));
        var state = BinaryData.FromString("""{"batchId":"b0","total":1}""");
        await batches.UploadBlobAsync("b0/definition.json", state);
        using var host = ServiceHosts.Worker(infrastructure, _suffix, consume: false);
        var processor = host.Services.GetRequiredService<JobProcessor>();
        var delivery = new DeliveryInfo(1, false, "test");

        // Anyone who can publish to the broker: a result over the batch state, or over another batch's results.
        var overwrite = Job("b0", "in/a.jpg", $"b0/../../batches-{_suffix}/b0/definition.json");
        var refused = await Assert.ThrowsAsync<JobFailedException>(() => processor.ProcessAsync(overwrite, delivery, CancellationToken.None));
        Assert.Equal(ErrorCodes.InvalidResultName, refused.Code);
        var otherBatch = Job("b1", "in/a.jpg", Secret);
        Assert.Equal(ErrorCodes.InvalidResultName, (await Assert.ThrowsAsync<JobFailedException>(() => processor.ProcessAsync(otherBatch, delivery, CancellationToken.None))).Code);

        // A layered job is refused before its batch's template is read (there is none for b5: reading it would end template.not_found).
        var layered = Job("b5", "in/a.jpg", "b6/000000-a.jpg") with { SchemaVersion = RenderJob.BatchTemplateSchemaVersion, Text = null, Fills = [] };
        Assert.Equal(ErrorCodes.InvalidResultName, (await Assert.ThrowsAsync<JobFailedException>(() => processor.ProcessAsync(layered, delivery, CancellationToken.None))).Code);

        // A source in another container.
        var read = Job("b2", $"../results-{_suffix}/{Secret}", "b2/000000-x.jpg");
        Assert.Equal(ErrorCodes.InvalidSourceName, (await Assert.ThrowsAsync<JobFailedException>(() => processor.ProcessAsync(read, delivery, CancellationToken.None))).Code);

        // A picture a template names, in another container: the blob client would fetch it and draw it on this result.
        var picture = Job("b4", "in/a.jpg", "b4/000000-a.jpg") with
        {
            SchemaVersion = RenderJob.TemplateSchemaVersion,
            Text = null,
            Template = new Template { Layers = [new ImageLayer { Name = "logo", ImageName = $"../results-{_suffix}/{Secret}" }] }.ToContract(),
        };
        var pictureRefused = await Assert.ThrowsAsync<JobFailedException>(() => processor.ProcessAsync(picture, delivery, CancellationToken.None));
        Assert.Equal(ErrorCodes.InvalidSourceName, pictureRefused.Code);
        Assert.Contains("layers[0].imageName", pictureRefused.Message, StringComparison.Ordinal);
        Assert.False(await results.GetBlobClient("b4/000000-a.jpg").ExistsAsync());

        Assert.Equal(state.ToString(), (await batches.GetBlobClient("b0/definition.json").DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(TestImages.Jpeg(7), (await results.GetBlobClient(Secret).DownloadContentAsync()).Value.Content.ToArray());
        Assert.False(await results.GetBlobClient("b2/000000-x.jpg").ExistsAsync());

        // And a good job still goes through.
        var good = Job("b3", "in/a.jpg", "b3/000000-a.jpg");
        Assert.Equal("b3/000000-a.jpg", (await processor.ProcessAsync(good, delivery, CancellationToken.None)).ResultBlob);
    }

    private static RenderJob Job(string batchId, string source, string result) =>
        new(RenderJob.CaptionSchemaVersion, batchId + "-000000", batchId, 0, source, "Caption", result, null, DateTimeOffset.UtcNow);

    private async Task<(BlobContainerClient Sources, BlobContainerClient Results, BlobContainerClient Batches)> ContainersAsync()
    {
        var blobs = infrastructure.Blobs();
        var containers = (blobs.GetBlobContainerClient($"sources-{_suffix}"), blobs.GetBlobContainerClient($"results-{_suffix}"), blobs.GetBlobContainerClient($"batches-{_suffix}"));
        await containers.Item1.CreateIfNotExistsAsync();
        await containers.Item2.CreateIfNotExistsAsync();
        await containers.Item3.CreateIfNotExistsAsync();
        return containers;
    }

    private static async Task<string> ErrorAsync(HttpResponseMessage response, string field)
    {
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return string.Join(" ", problem.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));
    }

    private async Task<uint> ReadyJobsAsync()
    {
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        return await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue);
    }
}
