using System.Diagnostics;
using ImageJobs.Worker.Messaging;
using RabbitMQ.Client;

namespace ImageJobs.Tests.Unit;

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
}
