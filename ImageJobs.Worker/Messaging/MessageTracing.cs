using System.Diagnostics;
using System.Text;
using RabbitMQ.Client;

namespace ImageJobs.Worker.Messaging;

/// <summary>Carries W3C trace context in message headers, so publish and processing form one trace.</summary>
public static class MessageTracing
{
    public static void Inject(Activity? activity, IDictionary<string, object?> headers)
    {
        if (activity is null)
        {
            return;
        }

        DistributedContextPropagator.Current.Inject(activity, headers, static (carrier, key, value) =>
        {
            if (carrier is IDictionary<string, object?> h)
            {
                h[key] = value;
            }
        });
    }

    public static ActivityContext Extract(IReadOnlyBasicProperties properties)
    {
        DistributedContextPropagator.Current.ExtractTraceIdAndState(properties.Headers, static (carrier, key, out value, out values) =>
        {
            values = null;
            value = carrier is IDictionary<string, object?> h && h.TryGetValue(key, out var raw) ? AsString(raw) : null;
        }, out var traceParent, out var traceState);

        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
    }

    /// <summary>AMQP delivers string headers as byte arrays.</summary>
    public static string? AsString(object? raw) => raw switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string text => text,
        null => null,
        _ => raw.ToString(),
    };

    /// <summary>Failed deliveries before this one (quorum queues set x-delivery-count on redelivery).</summary>
    public static int DeliveryCount(IReadOnlyBasicProperties properties) =>
        properties.Headers is { } headers ? FailureHeaders.Number(headers, "x-delivery-count") : 0;
}
