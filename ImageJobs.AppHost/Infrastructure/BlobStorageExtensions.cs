using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ImageJobs.AppHost.Infrastructure;

/// <summary>The Azurite emulator's well-known development account (public, and local only).</summary>
public static class Azurite
{
    public const string EndpointName = "blob";
    public const string Image = "azure-storage/azurite";
    public const string Registry = "mcr.microsoft.com";
    // The same release as the npm package scripts/setup.sh installs for local mode.
    public const string Tag = "3.37.0";
    public const int BlobPort = 10000;

    /// <summary>
    /// How every Azurite of ours runs: any SDK version, account name from the path, no usage data
    /// sent to Microsoft, and no access-log line per request (two per image: they flood the
    /// dashboard's console logs and cost Azurite CPU the workers need; docs/PERFORMANCE.md).
    /// </summary>
    public static readonly string[] ServiceArgs = ["--skipApiVersionCheck", "--disableProductStyleUrl", "--disableTelemetry", "--silent"];

    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static ReferenceExpression ConnectionString(ReferenceExpression hostAndPort) => ReferenceExpression.Create(
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://{hostAndPort}/devstoreaccount1;");
}

/// <summary>Azurite's blob service in a container.</summary>
public sealed class AzuriteBlobResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    public EndpointReference Endpoint => new(this, Azurite.EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        Azurite.ConnectionString(ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.HostAndPort)}"));
}

/// <summary>npm's azurite-blob as a local process on 127.0.0.1.</summary>
public sealed class LocalAzuriteBlobResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public EndpointReference Endpoint => new(this, Azurite.EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        Azurite.ConnectionString(ReferenceExpression.Create($"127.0.0.1:{Endpoint.Property(EndpointProperty.Port)}"));
}

public static class BlobStorageExtensions
{
    /// <summary>
    /// Blob storage: Azurite in a container or as a local process in run mode; in publish mode a
    /// storage account's blob endpoint (see <see cref="AddAzureBlobEndpoint"/>).
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddBlobStorage(
        this IDistributedApplicationBuilder builder, string name, InfrastructureMode mode)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.AddAzureBlobEndpoint(name);
        }

        var healthCheckKey = $"{name}_blob";
        IResourceWithConnectionString resource;
        if (mode.Kind == InfrastructureKind.Containers)
        {
            var container = builder.AddResource(new AzuriteBlobResource(name))
                .WithImage(Azurite.Image, Azurite.Tag)
                .WithImageRegistry(Azurite.Registry)
                .WithArgs(["azurite-blob", "--blobHost", "0.0.0.0", "--blobPort", Azurite.BlobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "--location", "/data", .. Azurite.ServiceArgs])
                .WithEndpoint(targetPort: Azurite.BlobPort, name: Azurite.EndpointName, scheme: "http")
                .WithHealthCheck(healthCheckKey);
            resource = container.Resource;
        }
        else
        {
            var command = builder.Configuration["LocalInfrastructure:Azurite"] ?? "azurite-blob";
            var azurite = LocalProcesses.FindOnPath(command) ?? throw new InvalidOperationException(
                $"Local infrastructure needs Azurite, and {command} is not installed. " +
                "Install it with: npm install -g azurite@3.37.0 (or run ./scripts/setup.sh).");
            var dataDirectory = LocalProcesses.DataDirectory(builder, name);
            var port = LocalProcesses.Port(builder, "LocalInfrastructure:AzuritePort");
            var local = builder.AddResource(new LocalAzuriteBlobResource(name, "bash", dataDirectory))
                .WithArgs([LocalProcesses.Script(builder, "supervise.sh"), azurite,
                    "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "--location", dataDirectory, .. Azurite.ServiceArgs])
                .WithEndpoint(port: port, name: Azurite.EndpointName, scheme: "http", isProxied: false)
                .WithHealthCheck(healthCheckKey)
                .ExcludeFromManifest();
            resource = local.Resource;
        }

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new BlobEndpointHealthCheck(resource), failureStatus: null, tags: null));
        return builder.CreateResourceBuilder(resource);
    }

    /// <summary>
    /// In Azure the connection string is the account's blob endpoint URI and nothing else: the
    /// services then authenticate with their managed identity (DefaultAzureCredential, with
    /// AZURE_CLIENT_ID set by the Container App templates), so no account key exists in any
    /// setting, and the account itself has shared-key access turned off (infra/storage.bicep).
    /// The URI is not a secret, hence a plain parameter.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddAzureBlobEndpoint(
        this IDistributedApplicationBuilder builder, string name)
    {
        var endpoint = builder.AddParameter($"{name}-endpoint");
        var connectionString = builder.AddConnectionString(name, ReferenceExpression.Create($"{endpoint}"));
        return builder.CreateResourceBuilder<IResourceWithConnectionString>(connectionString.Resource);
    }

    /// <summary>Healthy once the blob endpoint answers HTTP (any status: Azurite is up).</summary>
    private sealed class BlobEndpointHealthCheck(IResourceWithConnectionString resource) : IHealthCheck
    {
        private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken) ?? string.Empty;
                var endpoint = connectionString.Split(';').Single(part => part.StartsWith("BlobEndpoint=", StringComparison.Ordinal))["BlobEndpoint=".Length..];
                using var response = await Http.GetAsync(new Uri(endpoint + "?comp=list"), cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex)
            {
                return HealthCheckResult.Unhealthy("The blob endpoint does not answer yet.", ex);
            }
        }
    }
}
