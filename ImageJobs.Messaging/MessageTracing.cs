using System.Diagnostics;
using RabbitMQ.Client;

namespace ImageJobs.Messaging;

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
            value = AmqpHeaders.Text(carrier as IDictionary<string, object?>, key);
        }, out var traceParent, out var traceState);

        return ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
    }
}
