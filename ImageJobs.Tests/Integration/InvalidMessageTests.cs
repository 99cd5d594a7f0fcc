using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using ImageJobs.Contracts;
using ImageJobs.Messaging;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Telemetry;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using RabbitMQ.Client;

namespace ImageJobs.Tests.Integration;

/// <summary>Messages and stored records nobody should trust, against a real RabbitMQ and Azurite (blobs and tables).</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class InvalidMessageTests(LocalInfrastructure infrastructure)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task An_incomplete_outcome_does_not_stop_batch_tracking_and_is_parked_with_its_reason()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        using var parked = new MetricCollector<long>(producer.App.Services.GetRequiredService<IMeterFactory>(), ProducerMetrics.MeterName, "imagejobs.messages.parked");
        var batch = await SubmitAsync(producer.Http, count: 3);

        // What was tried by hand: one outcome with nothing but a schema version, then every job's
        // success; among them a report of a job the batch does not have, one of a batch that does not
        // exist, and a dead letter that names nothing.
        await PublishAsync(JobTopology.OutcomesQueue, "poison", Encoding.UTF8.GetBytes("""{"schemaVersion":1}"""));
        for (var i = 0; i < batch.Total; i++)
        {
            await PublishAsync(JobTopology.OutcomesQueue, JobPlanner.JobId(batch.BatchId, i), Succeeded(batch.BatchId, i));
        }

        await PublishAsync(JobTopology.OutcomesQueue, "outside", Succeeded(batch.BatchId, 7));
        await PublishAsync(JobTopology.OutcomesQueue, "nowhere", Succeeded("no-such-batch-" + _suffix, 0));
        await PublishAsync(JobTopology.DeadLetterEventsQueue, "nameless", Encoding.UTF8.GetBytes("not json"));

        var status = await BatchPolling.WaitForAsync(producer.Http, batch.BatchId, s => s.Done);
        Assert.Equal((3, 0, true), (status.Succeeded, status.Failed, status.Done));

        // Every one set aside with why, and counted; none left unacked where it came from.
        var reasons = await ReadParkedAsync(expected: 4);
        Assert.Contains(reasons, r => r is (JobTopology.OutcomesQueue, "poison", var why) && why.Contains("batchId is missing", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r is (JobTopology.OutcomesQueue, _, var why) && why.Contains("is none of them", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r is (JobTopology.OutcomesQueue, _, var why) && why.Contains("no batch no-such-batch-", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r is (JobTopology.DeadLetterEventsQueue, "nameless", var why) && why.Contains("names no job id", StringComparison.Ordinal));
        Assert.Equal(4, parked.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(0u, await ReadyAsync(JobTopology.OutcomesQueue));
    }

    [Fact]
    public async Task A_corrupt_batch_record_or_counts_row_damages_only_its_own_batch()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var healthy = await SubmitAsync(producer.Http, count: 2);
        var brokenRecord = await SubmitAsync(producer.Http, count: 2);
        var brokenCounts = await SubmitAsync(producer.Http, count: 2);
        await PublishAsync(JobTopology.OutcomesQueue, "ok", Succeeded(brokenCounts.BatchId, 0));
        await BatchPolling.WaitForAsync(producer.Http, brokenCounts.BatchId, s => s.Succeeded == 1);
        await producer.App.StopAsync();

        // Damaged behind the producer's back, as a bad hand edit would.
        var table = infrastructure.Tables().GetTableClient(LocalInfrastructure.TableName(_suffix));
        await table.UpsertEntityAsync(new TableEntity("batches", brokenRecord.BatchId) { ["CreatedAt"] = "yesterday", ["Total"] = 2 });
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == brokenCounts.BatchId))
        {
            if (row.RowKey.StartsWith("c.", StringComparison.Ordinal))
            {
                row["InFlight"] = "{";
                await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
            }
        }

        await using var restarted = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var list = (await restarted.Http.GetFromJsonAsync<List<BatchStatus>>("/api/batches"))!;
        Assert.Null(Assert.Single(list, b => b.BatchId == healthy.BatchId).Damage);
        Assert.Contains("its record has a field of the wrong type", Assert.Single(list, b => b.BatchId == brokenRecord.BatchId).Damage, StringComparison.Ordinal);
        var counts = (await restarted.Http.GetFromJsonAsync<BatchStatus>($"/api/batches/{brokenCounts.BatchId}"))!;
        Assert.Contains("its counts row", counts.Damage, StringComparison.Ordinal);

        // A report of the damaged batch is parked; the others are still counted.
        await PublishAsync(JobTopology.OutcomesQueue, "damaged", Succeeded(brokenRecord.BatchId, 0));
        await PublishAsync(JobTopology.OutcomesQueue, "healthy", Succeeded(healthy.BatchId, 1));
        Assert.Equal(1, (await BatchPolling.WaitForAsync(restarted.Http, healthy.BatchId, s => s.Succeeded == 1)).Succeeded);
        Assert.Contains(await ReadParkedAsync(expected: 1), r => r.Reason.Contains($"batch {brokenRecord.BatchId} is damaged", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await restarted.Http.GetAsync($"/api/batches/{brokenRecord.BatchId}/failures")).StatusCode);
    }

    private static byte[] Succeeded(string batchId, int index) => JsonSerializer.SerializeToUtf8Bytes(new JobOutcome(1, JobPlanner.JobId(batchId, index), batchId,
        JobStatus.Succeeded, $"{batchId}/{index}.jpg", 10, null, null, 1, false, "test", DateTimeOffset.UtcNow), JobJson.Default.JobOutcome);

    /// <summary>Waits for <paramref name="expected"/> parked messages and takes them: where each came from, its id and why.</summary>
    private async Task<List<(string From, string? MessageId, string Reason)>> ReadParkedAsync(int expected)
    {
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var parked = new List<(string, string?, string)>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (parked.Count < expected && DateTime.UtcNow < deadline)
        {
            if (await channel.BasicGetAsync(JobTopology.ParkedQueue, autoAck: true) is not { } message)
            {
                await Task.Delay(100);
                continue;
            }

            var headers = message.BasicProperties.Headers;
            parked.Add((AmqpHeaders.Text(headers, MessageParker.FromHeader)!, message.BasicProperties.MessageId, AmqpHeaders.Text(headers, MessageParker.ReasonHeader)!));
        }

        Assert.Equal(expected, parked.Count);
        return parked;
    }

    private async Task<uint> ReadyAsync(string queue)
    {
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        return await ServiceHosts.ReadyCountAsync(channel, queue);
    }

    private async Task<BatchAccepted> SubmitAsync(HttpClient http, int count)
    {
        var items = Enumerable.Range(0, count).Select(i => new BatchItem($"in/{i}.jpg", $"text {i}")).ToList();
        using var response = await http.PostAsJsonAsync("/api/batches", new SubmitBatchRequest { Items = items });
        response.EnsureSuccessStatusCode();
        var accepted = (await response.Content.ReadFromJsonAsync<BatchAccepted>())!;

        // No worker here: the jobs are not needed, only the batch.
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueuePurgeAsync(JobTopology.JobsQueue);
        return accepted;
    }

    private async Task PublishAsync(string queue, string messageId, byte[] body)
    {
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, new BasicProperties { Persistent = true, MessageId = messageId }, body);
    }
}
