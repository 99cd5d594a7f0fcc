using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using ImageJobs.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Settings of the blob client integration, bound from <c>Blobs:{connectionName}</c>.
/// <c>ConnectionStrings:{connectionName}</c> fills <see cref="ConnectionString"/>: either an
/// Azure Storage connection string (Azurite, or an account key) or a blob service URI, which
/// is then reached with <see cref="DefaultAzureCredential"/> (managed identity in Azure).
/// </summary>
public sealed class BlobStorageSettings
{
    public string? ConnectionString { get; set; }

    public Uri? ServiceUri { get; set; }

    public bool DisableHealthChecks { get; set; }

    public bool DisableTracing { get; set; }

    /// <summary>Per-request network timeout; the SDK retries within it.</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public int MaxRetries { get; set; } = 3;
}

/// <summary>
/// Our equivalent of Aspire.Azure.Storage.Blobs (not available here): registers a singleton
/// <see cref="BlobServiceClient"/>, a health check and Azure SDK tracing.
/// </summary>
public static class BlobStorageExtensions
{
    private const string AzureActivitySourceSwitch = "Azure.Experimental.EnableActivitySource";

    /// <summary>The blob service (ConnectionStrings:blobs), the system's containers, validated at start, the batches' templates and the uploaded fonts' cache.</summary>
    public static IHostApplicationBuilder AddBlobContainers(this IHostApplicationBuilder builder)
    {
        builder.AddAzureBlobServiceClient(StorageOptions.ConnectionName);
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<BatchTemplates>();
        builder.Services.AddOptions<FontCacheOptions>().BindConfiguration(FontCacheOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<FontFiles>();
        return builder;
    }

    public static IHostApplicationBuilder AddAzureBlobServiceClient(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<BlobStorageSettings>? configureSettings = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);

        var settings = new BlobStorageSettings();
        builder.Configuration.GetSection($"Blobs:{connectionName}").Bind(settings);
        if (builder.Configuration.GetConnectionString(connectionName) is { Length: > 0 } connectionString)
        {
            ApplyConnectionString(settings, connectionString);
        }

        configureSettings?.Invoke(settings);

        var client = CreateClient(settings, connectionName);
        builder.Services.AddSingleton(client);

        if (!settings.DisableTracing)
        {
            // Azure SDK spans are opt-in; the "Azure.*" source is added to tracing below.
            AppContext.SetSwitch(AzureActivitySourceSwitch, true);
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource("Azure.*"));
        }

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                $"blobs_{connectionName}",
                sp => new BlobServiceHealthCheck(sp.GetRequiredService<BlobServiceClient>()),
                failureStatus: null,
                tags: ["ready"]));
        }

        return builder;
    }

    /// <summary>A URI selects token credentials; anything else is an Azure Storage connection string.</summary>
    internal static void ApplyConnectionString(BlobStorageSettings settings, string connectionString)
    {
        if (Uri.TryCreate(connectionString, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            settings.ServiceUri = uri;
        }
        else
        {
            settings.ConnectionString = connectionString;
        }
    }

    internal static BlobServiceClient CreateClient(BlobStorageSettings settings, string connectionName)
    {
        var options = new BlobClientOptions
        {
            Retry =
            {
                Mode = RetryMode.Exponential,
                MaxRetries = settings.MaxRetries,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
                NetworkTimeout = settings.NetworkTimeout,
            },
        };

        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            return new BlobServiceClient(settings.ConnectionString, options);
        }

        if (settings.ServiceUri is not null)
        {
            return new BlobServiceClient(settings.ServiceUri, new DefaultAzureCredential(), options);
        }

        throw new InvalidOperationException(
            $"Blob storage '{connectionName}' is not configured: set ConnectionStrings:{connectionName} " +
            $"to a connection string or a blob service URI, or Blobs:{connectionName}:ServiceUri.");
    }

    private sealed class BlobServiceHealthCheck(BlobServiceClient client) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                // One cheap page of the container list proves reachability and authorisation.
                await using var pages = client.GetBlobContainersAsync(cancellationToken: cancellationToken)
                    .AsPages(pageSizeHint: 1).GetAsyncEnumerator(cancellationToken);
                await pages.MoveNextAsync();
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, "Blob service unreachable.", ex);
            }
        }
    }
}
