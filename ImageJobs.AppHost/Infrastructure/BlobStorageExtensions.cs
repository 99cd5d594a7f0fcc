using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ImageJobs.AppHost.Infrastructure;

/// <summary>One of Azurite's services: its program, port and connection-string endpoint key.</summary>
public sealed record AzuriteService(string Program, string Service, int Port, string EndpointKey, string ProgramSetting, string PortSetting)
{
    /// <summary>Sources and results.</summary>
    public static readonly AzuriteService Blob = new("azurite-blob", "blob", 10000, "BlobEndpoint", "LocalInfrastructure:Azurite", "LocalInfrastructure:AzuritePort");

    /// <summary>The producers' shared batch state.</summary>
    public static readonly AzuriteService Table = new("azurite-table", "table", 10002, "TableEndpoint", "LocalInfrastructure:AzuriteTable", "LocalInfrastructure:AzuriteTablePort");

    public ReferenceExpression ConnectionString(ReferenceExpression hostAndPort) => ReferenceExpression.Create(
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Azurite.AccountKey};{EndpointKey}=http://{hostAndPort}/devstoreaccount1;");

    /// <summary>The program's arguments: listen on <paramref name="host"/>:<paramref name="port"/>, keep data in <paramref name="location"/>.</summary>
    public string[] Args(string host, int port, string location) =>
        [$"--{Service}Host", host, $"--{Service}Port", port.ToString(CultureInfo.InvariantCulture), "--location", location, .. Azurite.ServiceArgs];
}

/// <summary>The Azurite emulator's well-known development account (public, and local only).</summary>
public static class Azurite
{
    public const string Image = "azure-storage/azurite";
    public const string Registry = "mcr.microsoft.com";
    // The same release as the npm package scripts/setup.sh installs for local mode.
    public const string Tag = "3.37.0";

    /// <summary>
    /// How every Azurite of ours runs: any SDK version, account name from the path, no usage data
    /// sent to Microsoft, and no access-log line per request (two per image: they flood the
    /// dashboard's console logs and cost Azurite CPU the workers need; docs/PERFORMANCE.md).
    /// </summary>
    public static readonly string[] ServiceArgs = ["--skipApiVersionCheck", "--disableProductStyleUrl", "--disableTelemetry", "--silent"];

    /// <summary>
    /// How an npm Azurite program runs locally: its script under node with V8's old generation
    /// allowed to double before a full collection, because each of Azurite's metadata lookups
    /// copies an index as long as its stored blobs, and V8's default growth then ran a full
    /// collection every few hundred milliseconds (docs/PERFORMANCE.md, "Azurite's CPU"). Any other
    /// program (a wrapper, a Windows shim) runs as it is; a missing one is left to fail as before.
    /// </summary>
    public static string[] Command(string program)
    {
        var found = LocalProcesses.FindOnPath(program) ?? program;
        var script = File.Exists(found) ? File.ResolveLinkTarget(found, returnFinalTarget: true)?.FullName : null;
        return script is not null && script.EndsWith(".js", StringComparison.Ordinal) ? ["node", .. NodeArgs, script] : [program];
    }

    /// <summary>V8 flags for every local Azurite (node accepts them on its command line only, not in NODE_OPTIONS).</summary>
    public static readonly string[] NodeArgs = ["--heap-growing-percent=100"];

    /// <summary>How supervise.sh stops an Azurite: its table service saves its rows on SIGINT, and on SIGTERM drops the last seconds of acknowledged writes.</summary>
    public const string StopSignal = "INT";

    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
}

/// <summary>An Azurite service in a container.</summary>
public sealed class AzuriteResource(string name, AzuriteService service) : ContainerResource(name), IResourceWithConnectionString
{
    public AzuriteService Service { get; } = service;

    public EndpointReference Endpoint => new(this, Service.Service);

    public ReferenceExpression ConnectionStringExpression =>
        Service.ConnectionString(ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.HostAndPort)}"));
}

/// <summary>An npm Azurite service as a local process on 127.0.0.1.</summary>
public sealed class LocalAzuriteResource(string name, AzuriteService service, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public AzuriteService Service { get; } = service;

    public EndpointReference Endpoint => new(this, Service.Service);

    public ReferenceExpression ConnectionStringExpression =>
        Service.ConnectionString(ReferenceExpression.Create($"127.0.0.1:{Endpoint.Property(EndpointProperty.Port)}"));
}

public static class BlobStorageExtensions
{
    /// <summary>
    /// Blob storage: Azurite in a container or as a local process in run mode; in publish mode a
    /// storage account's blob endpoint (see <see cref="AddAzureStorageEndpoint"/>).
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddBlobStorage(
        this IDistributedApplicationBuilder builder, string name, InfrastructureMode mode) =>
        builder.AddAzurite(name, mode, AzuriteService.Blob);

    /// <summary>
    /// Table storage, the producers' shared batch state: as <see cref="AddBlobStorage"/>, with the
    /// account's table endpoint in publish mode (only the producers have a role on its table).
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddTableStorage(
        this IDistributedApplicationBuilder builder, string name, InfrastructureMode mode) =>
        builder.AddAzurite(name, mode, AzuriteService.Table);

    private static IResourceBuilder<IResourceWithConnectionString> AddAzurite(
        this IDistributedApplicationBuilder builder, string name, InfrastructureMode mode, AzuriteService service)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.AddAzureStorageEndpoint(name);
        }

        var healthCheckKey = $"{name}_{service.Service}";
        IResourceWithConnectionString resource;
        if (mode.Kind == InfrastructureKind.Containers)
        {
            resource = builder.AddResource(new AzuriteResource(name, service))
                .WithImage(Azurite.Image, Azurite.Tag)
                .WithImageRegistry(Azurite.Registry)
                .WithArgs([service.Program, .. service.Args("0.0.0.0", service.Port, "/data")])
                .WithEndpoint(targetPort: service.Port, name: service.Service, scheme: "http")
                .WithHealthCheck(healthCheckKey)
                .Resource;
        }
        else
        {
            var command = builder.Configuration[service.ProgramSetting] ?? service.Program;
            var azurite = LocalProcesses.FindOnPath(command) ?? throw new InvalidOperationException(
                $"Local infrastructure needs Azurite, and {command} is not installed. " +
                "Install it with: npm install -g azurite@3.37.0 (or run ./scripts/setup.sh).");
            var dataDirectory = LocalProcesses.DataDirectory(builder, name);
            var port = LocalProcesses.Port(builder, service.PortSetting);
            resource = builder.AddResource(new LocalAzuriteResource(name, service, "bash", dataDirectory))
                .WithArgs([LocalProcesses.Script(builder, "supervise.sh"), .. Azurite.Command(azurite), .. service.Args("127.0.0.1", port, dataDirectory)])
                .WithEnvironment("SUPERVISE_STOP_SIGNAL", Azurite.StopSignal)
                .WithEndpoint(port: port, name: service.Service, scheme: "http", isProxied: false)
                .WithHealthCheck(healthCheckKey)
                .ExcludeFromManifest()
                .Resource;
        }

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new AzuriteHealthCheck(resource, service), failureStatus: null, tags: null));
        return builder.CreateResourceBuilder(resource);
    }

    /// <summary>
    /// In Azure the connection string is the account's blob (or table) endpoint URI and nothing
    /// else: the services then authenticate with their managed identity (DefaultAzureCredential,
    /// with AZURE_CLIENT_ID set by the Container App templates), so no account key exists in any
    /// setting, and the account itself has shared-key access turned off (infra/storage.bicep).
    /// The URI is not a secret, hence a plain parameter.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddAzureStorageEndpoint(
        this IDistributedApplicationBuilder builder, string name)
    {
        var endpoint = builder.AddParameter($"{name}-endpoint");
        var connectionString = builder.AddConnectionString(name, ReferenceExpression.Create($"{endpoint}"));
        return builder.CreateResourceBuilder<IResourceWithConnectionString>(connectionString.Resource);
    }

    /// <summary>Healthy once the service's endpoint answers HTTP (any status: Azurite is up).</summary>
    private sealed class AzuriteHealthCheck(IResourceWithConnectionString resource, AzuriteService service) : IHealthCheck
    {
        private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken) ?? string.Empty;
                var key = service.EndpointKey + "=";
                var endpoint = connectionString.Split(';').Single(part => part.StartsWith(key, StringComparison.Ordinal))[key.Length..];
                using var response = await Http.GetAsync(new Uri(endpoint + "?comp=list"), cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex)
            {
                return HealthCheckResult.Unhealthy($"The {service.Service} endpoint does not answer yet.", ex);
            }
        }
    }
}
