using System.Net.Http.Json;
using System.Text.Json;
using ImageJobs.Producer.Batches;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// The README's cancel, pause and resume lines, run as written (bash and curl) against a real
/// producer, with only its address and the batch put in: a batch whose jobs wait for workers.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class ReadmeControlExampleTests(LocalInfrastructure infrastructure) : IAsyncLifetime
{
    private readonly string _suffix = "readme" + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => ServiceHosts.ResetQueuesAsync(infrastructure);

    public async Task DisposeAsync()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await infrastructure.Tables().DeleteTableAsync(LocalInfrastructure.TableName(_suffix));
    }

    [Fact]
    public async Task The_readme_control_lines_pause_resume_and_cancel_and_a_resume_after_a_cancel_is_refused_with_its_code()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("samples/sample-001.jpg", BinaryData.FromBytes(TestImages.Jpeg(1)));
        using var submitted = await producer.Http.PostAsJsonAsync("/api/batches", new SubmitBatchRequest
        {
            Items = [.. Enumerable.Range(0, 3).Select(i => new BatchItem("samples/sample-001.jpg", $"#{i}"))],
        });
        var batchId = (await submitted.Content.ReadFromJsonAsync<BatchAccepted>())!.BatchId;

        var lines = ReadmeExamples.BashBlockAfter("<!-- control-example:").Split('\n').Where(l => l.StartsWith("curl ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, lines.Count);

        var answers = new List<JsonElement>();
        foreach (var line in lines)
        {
            var stdout = await ReadmeExamples.RunAsync(line, producer.Address, new Dictionary<string, string> { ["BATCH"] = batchId });
            answers.Add(JsonDocument.Parse(stdout).RootElement.Clone());
        }

        Assert.Equal([BatchStates.Paused, BatchStates.Running, BatchStates.Cancelling], answers.Take(3).Select(a => a.GetProperty("state").GetString()));
        Assert.Equal(batchId, answers[0].GetProperty("batchId").GetString());
        Assert.Equal((409, BatchControlCodes.Cancelled), (answers[3].GetProperty("status").GetInt32(), answers[3].GetProperty("code").GetString()));
    }
}
