using RabbitMQ.Client;

namespace ImageJobs.Messaging;

/// <summary>
/// What a service does with the topology before it uses a channel: the producer declares it
/// (its broker user may configure imagejobs.*), a worker only checks that it is there (its user
/// may not configure anything, so it cannot delete or redeclare a queue).
/// </summary>
public sealed record TopologyAccess(bool Declares)
{
    public static TopologyAccess Declare { get; } = new(true);

    public static TopologyAccess CheckOnly { get; } = new(false);

    public Task PrepareAsync(IChannel channel, MessagingOptions options, CancellationToken cancellationToken) => Declares
        ? JobTopology.DeclareAsync(channel, options, cancellationToken)
        : JobTopology.CheckAsync(channel, cancellationToken);
}
