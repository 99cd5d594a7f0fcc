using ImageJobs.Messaging;

namespace ImageJobs.Tests.Unit;

/// <summary>
/// The arguments every queue is declared with. RabbitMQ 4.x cannot run here: these pin what it is
/// given (on 4.x a quorum queue without them gets a delivery limit of 20 and drops what goes over it).
/// </summary>
[Trait("Category", "Unit")]
public sealed class TopologyTests
{
    private static readonly MessagingOptions Options = new() { DeliveryLimit = 7, DeadLetterMaxLength = 1_234, ParkedMaxLength = 567 };

    [Fact]
    public void Every_queue_is_a_quorum_queue_with_an_explicit_delivery_limit()
    {
        var queues = JobTopology.Queues(Options);
        Assert.Equal(
            [JobTopology.JobsQueue, JobTopology.DeadLetterQueue, JobTopology.DeadLetterEventsQueue, "imagejobs.jobs.retry.10s", "imagejobs.jobs.retry.1s",
                "imagejobs.jobs.retry.60s", JobTopology.OutcomesQueue, JobTopology.ParkedQueue],
            queues.Keys.Order(StringComparer.Ordinal));
        Assert.All(queues.Values, arguments =>
        {
            Assert.Equal("quorum", arguments["x-queue-type"]);
            Assert.IsType<int>(arguments["x-delivery-limit"]);
        });
        Assert.Equal(7, queues[JobTopology.JobsQueue]["x-delivery-limit"]);
        Assert.Equal(JobTopology.ReportDeliveryLimit, queues[JobTopology.OutcomesQueue]["x-delivery-limit"]);
    }

    [Fact]
    public void Every_queue_but_the_last_stop_has_a_dead_letter_target()
    {
        var queues = JobTopology.Queues(Options);
        foreach (var (queue, arguments) in queues.Where(q => q.Key != JobTopology.ParkedQueue))
        {
            Assert.True(arguments.ContainsKey("x-dead-letter-exchange"), queue);
        }

        Assert.Equal(JobTopology.DeadLetterExchange, queues[JobTopology.JobsQueue]["x-dead-letter-exchange"]);
        Assert.Equal(JobTopology.JobsQueue, queues["imagejobs.jobs.retry.1s"]["x-dead-letter-routing-key"]);
        foreach (var queue in new[] { JobTopology.OutcomesQueue, JobTopology.DeadLetterEventsQueue, JobTopology.DeadLetterQueue })
        {
            Assert.Equal(JobTopology.ParkedExchange, queues[queue]["x-dead-letter-exchange"]);
        }

        Assert.False(queues[JobTopology.ParkedQueue].ContainsKey("x-dead-letter-exchange"));
    }

    [Fact]
    public void The_queues_that_can_pile_up_unread_are_bounded_and_the_report_queues_are_not()
    {
        var queues = JobTopology.Queues(Options);
        Assert.Equal((1_234, "drop-head"), (queues[JobTopology.DeadLetterQueue]["x-max-length"], queues[JobTopology.DeadLetterQueue]["x-overflow"]));
        Assert.Equal((567, "drop-head"), (queues[JobTopology.ParkedQueue]["x-max-length"], queues[JobTopology.ParkedQueue]["x-overflow"]));
        Assert.Equal(new Dictionary<string, int> { [JobTopology.DeadLetterQueue] = 1_234, [JobTopology.ParkedQueue] = 567 }, JobTopology.BoundedQueues(Options));

        // Bounding these would drop what workers reported.
        Assert.False(queues[JobTopology.OutcomesQueue].ContainsKey("x-max-length"));
        Assert.False(queues[JobTopology.DeadLetterEventsQueue].ContainsKey("x-max-length"));
    }
}
