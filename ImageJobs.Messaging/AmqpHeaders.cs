using System.Text;
using RabbitMQ.Client;

namespace ImageJobs.Messaging;

/// <summary>Reads AMQP header values as the client delivers them: strings as UTF-8 bytes, numbers in any integer width.</summary>
public static class AmqpHeaders
{
    public static string? Text(IDictionary<string, object?>? headers, string key) =>
        headers is not null && headers.TryGetValue(key, out var raw) ? raw switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string text => text,
            null => null,
            _ => raw.ToString(),
        } : null;

    public static int Number(IDictionary<string, object?>? headers, string key) =>
        headers is not null && headers.TryGetValue(key, out var raw) ? raw switch { int i => i, long l => (int)l, byte b => b, short s => s, _ => 0 } : 0;

    /// <summary>Failed deliveries before this one (quorum queues set x-delivery-count on redelivery).</summary>
    public static int DeliveryCount(IReadOnlyBasicProperties properties) => Number(properties.Headers, "x-delivery-count");
}
