using Aspire.Hosting.ApplicationModel;

namespace ImageJobs.AppHost.Infrastructure;

/// <summary>Who connects to the broker; each role has its own user (Infrastructure/broker/definitions.json).</summary>
public enum BrokerRole
{
    /// <summary>Declares the topology, publishes jobs, consumes outcomes and dead letters.</summary>
    Producer,

    /// <summary>Consumes jobs; publishes outcomes, retries and dead letters.</summary>
    Worker,

    /// <summary>KEDA's scale rule in Azure: reads the work queue's depth, nothing else.</summary>
    Keda,
}

/// <summary>
/// The broker's users. The start scripts write them, with their permissions, from
/// Infrastructure/broker/definitions.json, imported at every broker start; the administrator
/// (the messaging-username parameter) is for people: no app connects with it.
/// </summary>
public static class BrokerUsers
{
    public const string AdminUserVariable = "IMAGEJOBS_BROKER_ADMIN_USER";
    public const string AdminPasswordVariable = "IMAGEJOBS_BROKER_ADMIN_PASSWORD";

    public static IReadOnlyList<BrokerRole> Roles { get; } = Enum.GetValues<BrokerRole>();

    public static string UserName(BrokerRole role) => "imagejobs-" + role.ToString().ToLowerInvariant();

    /// <summary>The variable the start scripts read the role's password from.</summary>
    public static string PasswordVariable(BrokerRole role) => $"IMAGEJOBS_BROKER_{role.ToString().ToUpperInvariant()}_PASSWORD";

    /// <summary>The AppHost parameter holding the role's generated password (messaging-producer-password, ...).</summary>
    public static string PasswordParameter(string broker, BrokerRole role) => $"{broker}-{role.ToString().ToLowerInvariant()}-password";

    public static string DefinitionsTemplate(string appHostDirectory) =>
        Path.Combine(appHostDirectory, "Infrastructure", "broker", "definitions.json");
}

/// <summary>On the broker resource: where it listens and the role users' passwords, for <see cref="MessagingExtensions.WithBrokerUser"/>.</summary>
internal sealed class BrokerUsersAnnotation(ReferenceExpression hostAndPort, IReadOnlyDictionary<BrokerRole, ParameterResource> passwords) : IResourceAnnotation
{
    public ReferenceExpression HostAndPort { get; } = hostAndPort;

    public IReadOnlyDictionary<BrokerRole, ParameterResource> Passwords { get; } = passwords;

    public ReferenceExpression ConnectionString(BrokerRole role) => ReferenceExpression.Create(
        $"amqp://{BrokerUsers.UserName(role)}:{Passwords[role]}@{HostAndPort}");
}
