using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;

namespace ImageJobs.AppHost.Infrastructure;

/// <summary>Debian's rabbitmq-server run as a local process; same connection string shape as the container.</summary>
public sealed class LocalRabbitMQResource(string name, string command, string workingDirectory, ParameterResource userName, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "amqp";

    public ParameterResource UserName { get; } = userName;

    public ParameterResource Password { get; } = password;

    public EndpointReference Endpoint => new(this, EndpointName);

    // 127.0.0.1, not localhost: the broker listens on IPv4 loopback only.
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"amqp://{UserName}:{Password}@127.0.0.1:{Endpoint.Property(EndpointProperty.Port)}");
}

public static class MessagingExtensions
{
    /// <summary>Debian's unwrapped start script: it runs as the calling user (the /usr/sbin wrapper switches to 'rabbitmq').</summary>
    private const string DefaultRabbitMQServer = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    /// <summary>
    /// RabbitMQ with a user per role (<see cref="BrokerUsers"/>), each with a generated password:
    /// a container, or a local process. Its own connection string is the administrator's, which
    /// no app gets: services connect with <see cref="WithBrokerUser"/>.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddMessaging(
        this IDistributedApplicationBuilder builder, string name, InfrastructureMode mode)
    {
        // Published as the parameter's default, so azd deploys it without asking.
        var userName = builder.AddParameter($"{name}-username", "imagejobs", publishValueAsDefault: true);
        var password = GeneratedPassword(builder, $"{name}-password");
        var passwords = BrokerUsers.Roles.ToDictionary(role => role, role => GeneratedPassword(builder, BrokerUsers.PasswordParameter(name, role)).Resource);

        if (mode.Kind == InfrastructureKind.Containers)
        {
            var rabbit = builder.AddRabbitMQ(name, userName, password);
            rabbit.WithAnnotation(new BrokerUsersAnnotation(
                ReferenceExpression.Create($"{rabbit.Resource.PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}"), passwords));
            if (builder.ExecutionContext.IsRunMode)
            {
                // The management UI is for the local dashboard; in Azure the broker keeps one internal
                // TCP port (the KEDA scale rule reads queue length over AMQP, not the management API).
                rabbit.WithManagementPlugin();
                // The image's own start, after the same definitions as a local process (Azure's
                // template carries its own copy of them, checked by ImageJobs.Tests/Deployment).
                rabbit.WithBindMount(Path.Combine(builder.AppHostDirectory, "Infrastructure"), "/imagejobs", isReadOnly: true)
                    .WithEntrypoint("bash")
                    .WithArgs("/imagejobs/scripts/rabbitmq-container.sh")
                    .WithBrokerUserVariables(userName, password, passwords);
            }

            return builder.CreateResourceBuilder<IResourceWithConnectionString>(rabbit.Resource);
        }

        var server = builder.Configuration["LocalInfrastructure:RabbitMQServer"] ?? DefaultRabbitMQServer;
        if (!File.Exists(server))
        {
            throw new InvalidOperationException(
                "Local infrastructure needs RabbitMQ, and rabbitmq-server is not installed. " +
                "Install it with: sudo apt-get install -y rabbitmq-server (or run ./scripts/setup.sh).");
        }

        var dataDirectory = LocalProcesses.DataDirectory(builder, name);
        var resource = new LocalRabbitMQResource(name, "bash", dataDirectory, userName.Resource, password.Resource);
        var healthCheckKey = $"{name}_amqp";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new AmqpHealthCheck(resource), failureStatus: null, tags: null));

        var local = builder.AddResource(resource)
            .WithArgs(LocalProcesses.Script(builder, "supervise.sh"), LocalProcesses.Script(builder, "rabbitmq.sh"))
            .WithEndpoint(port: LocalProcesses.Port(builder, "LocalInfrastructure:RabbitMQPort"), name: LocalRabbitMQResource.EndpointName,
                scheme: "tcp", env: "RABBITMQ_NODE_PORT", isProxied: false)
            .WithEnvironment("RABBITMQ_DIST_PORT", LocalProcesses.Port(builder, "LocalInfrastructure:RabbitMQDistributionPort").ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("ERL_EPMD_PORT", LocalProcesses.Port(builder, "LocalInfrastructure:EpmdPort").ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("IMAGEJOBS_RABBITMQ_DATA", dataDirectory)
            .WithEnvironment("IMAGEJOBS_RABBITMQ_SERVER", server)
            .WithBrokerUserVariables(userName, password, passwords)
            .WithAnnotation(new BrokerUsersAnnotation(
                ReferenceExpression.Create($"127.0.0.1:{resource.Endpoint.Property(EndpointProperty.Port)}"), passwords))
            .WithHealthCheck(healthCheckKey)
            .ExcludeFromManifest();
        return builder.CreateResourceBuilder<IResourceWithConnectionString>(local.Resource);
    }

    /// <summary>The service connects to the broker (ConnectionStrings:messaging) as the user of its role, never as the administrator.</summary>
    public static IResourceBuilder<ProjectResource> WithBrokerUser(
        this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString> messaging, BrokerRole role)
    {
        var users = messaging.Resource.Annotations.OfType<BrokerUsersAnnotation>().Single();
        return service.WithEnvironment($"ConnectionStrings__{messaging.Resource.Name}", users.ConnectionString(role));
    }

    // Letters and digits only: they go into amqp:// URIs and the definitions' JSON unescaped.
    private static IResourceBuilder<ParameterResource> GeneratedPassword(IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);

    /// <summary>What broker-definitions.sh fills the definitions in with.</summary>
    private static IResourceBuilder<T> WithBrokerUserVariables<T>(this IResourceBuilder<T> broker,
        IResourceBuilder<ParameterResource> userName, IResourceBuilder<ParameterResource> password, IReadOnlyDictionary<BrokerRole, ParameterResource> passwords)
        where T : IResourceWithEnvironment
    {
        broker.WithEnvironment(BrokerUsers.AdminUserVariable, userName).WithEnvironment(BrokerUsers.AdminPasswordVariable, password);
        foreach (var (role, rolePassword) in passwords)
        {
            broker.WithEnvironment(BrokerUsers.PasswordVariable(role), rolePassword);
        }

        return broker;
    }

    /// <summary>Healthy once the broker accepts an AMQP connection with our credentials.</summary>
    private sealed class AmqpHealthCheck(IResourceWithConnectionString resource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
                var factory = new ConnectionFactory { Uri = new Uri(connectionString!), RequestedConnectionTimeout = TimeSpan.FromSeconds(5) };
                await using var connection = await factory.CreateConnectionAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex)
            {
                return HealthCheckResult.Unhealthy("RabbitMQ does not accept connections yet.", ex);
            }
        }
    }
}
