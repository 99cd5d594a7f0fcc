using System.Diagnostics;
using ImageJobs.Messaging;
using RabbitMQ.Client;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public class MessageTracingTests
{
    [Fact]
    public void Trace_context_survives_the_trip_through_headers()
    {
        using var activity = new Activity("publish").SetIdFormat(ActivityIdFormat.W3C).Start();
        var headers = new Dictionary<string, object?>();
        MessageTracing.Inject(activity, headers);

        // The broker hands string headers back as bytes.
        var delivered = new BasicProperties
        {
            Headers = headers.ToDictionary(h => h.Key, h => (object?)System.Text.Encoding.UTF8.GetBytes((string)h.Value!)),
        };
        var context = MessageTracing.Extract(delivered);

        Assert.Equal(activity.TraceId, context.TraceId);
        Assert.Equal(activity.SpanId, context.SpanId);
        Assert.True(context.IsRemote);
    }

    [Fact]
    public void Delivery_count_reads_the_quorum_queue_header()
    {
        Assert.Equal(0, AmqpHeaders.DeliveryCount(new BasicProperties()));
        Assert.Equal(3, AmqpHeaders.DeliveryCount(new BasicProperties { Headers = new Dictionary<string, object?> { ["x-delivery-count"] = 3L } }));
    }

    [Theory]
    [InlineData(null, null, null, 1)]
    [InlineData(null, null, 2L, 3)]
    // Crashed once (attempt 2), then a transient failure: the copy from the delay queue is attempt 3, not 2 again.
    [InlineData(1, 2, null, 3)]
    [InlineData(1, 2, 1L, 4)]
    // A copy handed on before attempts were carried: its retries stand in.
    [InlineData(2, null, null, 3)]
    public void The_attempt_counts_redeliveries_and_attempts_carried_over_a_hand_on(int? retries, int? previous, long? deliveryCount, int attempt)
    {
        var headers = new Dictionary<string, object?>();
        if (retries is { } r)
        {
            headers[FailureHeaders.Retries] = r;
        }

        if (previous is { } p)
        {
            headers[FailureHeaders.PreviousAttempts] = p;
        }

        if (deliveryCount is { } d)
        {
            headers["x-delivery-count"] = d;
        }

        Assert.Equal(attempt, FailureHeaders.Attempt(new BasicProperties { Headers = headers }));
    }
}
