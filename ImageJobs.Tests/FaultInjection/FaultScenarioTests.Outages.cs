using Aspire.Hosting;
using Aspire.Hosting.Testing;
using ImageJobs.Messaging;
using ImageJobs.Tests.Support;
using RabbitMQ.Client;

namespace ImageJobs.Tests.FaultInjection;

/// <summary>What the broker and a deploy take away mid-batch, and a poison report: the batch completes.</summary>
public sealed partial class FaultScenarioTests
{
    [Fact]
    public async Task A_poison_outcome_mid_batch_is_parked_and_the_batch_completes()
    {
        var (batch, clock) = await StartBatchAsync("poison-outcome");
        await WaitForProgressAsync(batch, Jobs / 4);
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var parkedBefore = (await channel.QueueDeclarePassiveAsync(JobTopology.ParkedQueue)).MessageCount;

        // The report from issue 17 that once stopped every batch's tracking.
        await channel.BasicPublishAsync(string.Empty, JobTopology.OutcomesQueue, mandatory: true,
            new BasicProperties { Persistent = true, ContentType = "application/json" }, "{\"schemaVersion\":1}"u8.ToArray());
        output.WriteLine("published {\"schemaVersion\":1} to imagejobs.outcomes");

        var audit = await FinishAsync("poison outcome", batch, clock);
        Assert.Equal(0, audit.DeadLettered);
        Assert.True((await channel.QueueDeclarePassiveAsync(JobTopology.ParkedQueue)).MessageCount > parkedBefore, "the poison report should be parked");
    }

    [Fact]
    public async Task The_state_store_down_for_20_seconds_mid_batch()
    {
        var audit = await StopMidBatchAsync("state-store-outage", "tables", "state store down 20 s");
        Assert.Equal(0, audit.DeadLettered);
    }

    [Fact]
    public async Task The_broker_data_wiped_mid_batch_and_the_broker_restarted_the_batch_heals()
    {
        var (batch, clock) = await StartBatchAsync("broker-wipe");
        await WaitForProgressAsync(batch, Jobs / 4);
        output.WriteLine("stopping RabbitMQ, deleting its data directory, starting it");
        await system.WipeBrokerAsync();

        var audit = await FinishAsync("broker data wiped + restart", batch, clock);
        Assert.Equal(0, audit.DeadLettered);
    }

    [Fact]
    public async Task A_producer_replaced_in_a_deploy_like_overlap_mid_batch()
    {
        var (batch, clock) = await StartBatchAsync("producer-overlap");
        await WaitForProgressAsync(batch, Jobs / 5);

        // The new revision starts and serves; then an old one is stopped as a deploy stops it.
        var (extra, address) = system.StartExtraProducer();
        try
        {
            using var direct = new HttpClient { BaseAddress = address };
            var meanwhile = await ReadWhenServingAsync(direct, batch.BatchId);
            var old = system.ProducerAddresses().First(p => p.Pid != extra.Id);
            Processes.Signal(old.Pid, Processes.SigTerm);
            output.WriteLine($"new producer {extra.Id} serving ({meanwhile.Succeeded} of {meanwhile.Total} succeeded); SIGTERM old producer {old.Pid}");
            await WaitForExitAsync(old.Pid);

            var audit = await FinishAsync("producer replaced in an overlap", batch, clock);
            Assert.Equal(0, audit.DeadLettered);
            var status = await ReadWhenServingAsync(direct, batch.BatchId);
            Assert.Equal((batch.Total, 0, 0, 0, 0, true), (status.Succeeded, status.Failed, status.Pending, status.InFlight, status.Retrying, status.Done));
        }
        finally
        {
            Processes.Signal(extra.Id, Processes.SigTerm);
            await extra.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(45));
            extra.Dispose();
        }

        await system.RestoreProducerAsync(TimeSpan.FromMinutes(2));
    }

    private async Task<IConnection> ConnectAsync() =>
        await new ConnectionFactory { Uri = new Uri((await system.App.GetConnectionStringAsync("messaging"))!) }.CreateConnectionAsync();
}
