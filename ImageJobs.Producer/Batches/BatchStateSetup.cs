using System.ComponentModel.DataAnnotations;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;

namespace ImageJobs.Producer.Batches;

/// <summary>Where batch state is kept, bound from <c>BatchState</c>; the service is <c>ConnectionStrings:tables</c>.</summary>
public sealed class BatchStateOptions
{
    public const string SectionName = "BatchState";

    /// <summary>The connection name of the table service (ConnectionStrings:tables).</summary>
    public const string ConnectionName = "tables";

    /// <summary>The table every producer replica shares (Azure's rule: 3-63 letters and digits, a letter first).</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string Table { get; set; } = "batches";
}

public static class BatchStateSetup
{
    /// <summary>
    /// The shared table service: an Azure Storage connection string (Azurite), or a table service
    /// URI reached with the managed identity (Azure), as the blob service is.
    /// </summary>
    public static IHostApplicationBuilder AddBatchState(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BatchStateOptions>().BindConfiguration(BatchStateOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var connectionString = builder.Configuration.GetConnectionString(BatchStateOptions.ConnectionName);
        builder.Services.AddSingleton(_ => CreateClient(connectionString));
        return builder;
    }

    /// <summary>
    /// Creates a table when it is missing. In Azure it exists (infra/storage.bicep) and the producer
    /// may only use its rows, not create tables: it is read first, and created only if absent.
    /// </summary>
    public static async Task CreateIfMissingAsync(this TableClient table, string partition, CancellationToken cancellationToken)
    {
        try
        {
            await using var page = table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, maxPerPage: 1, cancellationToken: cancellationToken)
                .AsPages().GetAsyncEnumerator(cancellationToken);
            await page.MoveNextAsync();
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            await table.CreateIfNotExistsAsync(cancellationToken);
        }
    }

    internal static TableServiceClient CreateClient(string? connectionString)
    {
        var options = new TableClientOptions
        {
            Retry = { Mode = RetryMode.Exponential, MaxRetries = 3, Delay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(5), NetworkTimeout = TimeSpan.FromSeconds(30) },
        };
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"Batch state is not configured: set ConnectionStrings:{BatchStateOptions.ConnectionName} to a connection string or a table service URI.");
        }

        return Uri.TryCreate(connectionString, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? new TableServiceClient(uri, new DefaultAzureCredential(), options)
            : new TableServiceClient(connectionString, options);
    }
}
