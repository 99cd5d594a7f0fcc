using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using ImageJobs.Producer.Batches;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Access;

/// <summary>A named key as listed: never the key, nor its hash.</summary>
public sealed record ApiKeyView(string Id, string Name, IReadOnlyList<string> Scopes, double? PermitsPerSecond, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A key just created: the only time the key itself is shown.</summary>
public sealed record CreatedApiKey(string Id, string Name, IReadOnlyList<string> Scopes, double? PermitsPerSecond, DateTimeOffset CreatedAt, string Key);

/// <summary>What a client asks a new key to be called and allowed.</summary>
public sealed record CreateApiKeyRequest(string? Name, IReadOnlyList<string>? Scopes, double? PermitsPerSecond);

public sealed class ApiKeyNameTakenException(string name)
    : Exception($"A key named '{name}' exists already; revoke it first or choose another name.");

/// <summary>
/// Named keys in their own table: one row per key (name, scopes, the SHA-256 of the key, created,
/// revoked) and one per name in use, written together so two replicas cannot give one name twice.
/// A key is <c>ij_{id}_{secret}</c>: the id finds its row with a point read, the secret (256 random
/// bits, so a plain hash suffices) is compared as a hash in constant time. Looked-up rows are kept
/// for <see cref="ApiKeyOptions.CacheFor"/>, unknown ids too, in a bounded cache.
/// </summary>
public sealed partial class ApiKeyStore(TableServiceClient tables, IOptions<ApiKeyOptions> options, TimeProvider time, ILogger<ApiKeyStore> logger) : IDisposable
{
    private const string Partition = "keys";
    private const string NamePrefix = "name-";
    private const string KeyPrefix = "ij_";
    private const int IdHexLength = 16;
    private const int SecretLength = 43;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    private sealed record StoredKey(string Id, string Name, IReadOnlyList<string> Scopes, double? PermitsPerSecond, byte[] Hash, bool Revoked);

    private TableClient Table => tables.GetTableClient(options.Value.Table);

    /// <summary>Creates the table when it is missing (in Azure it exists, infra/storage.bicep, and the producer may not create tables).</summary>
    public Task CreateAsync(CancellationToken cancellationToken) => Table.CreateIfMissingAsync(Partition, cancellationToken);

    /// <summary>Field path to problems with a request for a new key; empty when it is fine.</summary>
    public static Dictionary<string, string[]> Validate(CreateApiKeyRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Name is null || !System.Text.RegularExpressions.Regex.IsMatch(request.Name, ApiKeyNames.Pattern))
        {
            errors["name"] = ["name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit."];
        }

        if (request.Scopes is not { Count: > 0 } scopes || scopes.Any(s => !ApiScopes.IsKnown(s)) || scopes.Distinct(StringComparer.Ordinal).Count() != scopes.Count)
        {
            errors["scopes"] = [$"scopes must be one or more of {string.Join(", ", ApiScopes.All)}, each once."];
        }

        if (request.PermitsPerSecond is { } rate && !(rate is >= 0.1 and <= 100_000))
        {
            errors["permitsPerSecond"] = ["permitsPerSecond must be between 0.1 and 100,000."];
        }

        return errors;
    }

    public async Task<CreatedApiKey> CreateAsync(CreateApiKeyRequest request, CancellationToken cancellationToken)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdHexLength / 2));
        var key = KeyPrefix + id + "_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var createdAt = time.GetUtcNow();
        var scopes = request.Scopes!.ToList();
        try
        {
            await Table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition, id)
                {
                    ["Name"] = request.Name,
                    ["Scopes"] = string.Join(',', scopes),
                    ["Hash"] = Convert.ToBase64String(Hash(key)),
                    ["CreatedAt"] = createdAt,
                    ["PermitsPerSecond"] = request.PermitsPerSecond,
                }),
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition, NameRow(request.Name!)) { ["KeyId"] = id }),
            ], cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            throw new ApiKeyNameTakenException(request.Name!);
        }

        LogCreated(logger, request.Name!, id, scopes);
        return new CreatedApiKey(id, request.Name!, scopes, request.PermitsPerSecond, createdAt, key);
    }

    public async Task<IReadOnlyList<ApiKeyView>> ListAsync(CancellationToken cancellationToken)
    {
        var keys = new List<ApiKeyView>();
        await foreach (var row in Table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: cancellationToken))
        {
            if (!row.RowKey.StartsWith(NamePrefix, StringComparison.Ordinal) && keys.Count < options.Value.MaxKeys)
            {
                keys.Add(new ApiKeyView(row.RowKey, row.GetString("Name") ?? "?", ScopesOf(row), row.GetDouble("PermitsPerSecond"),
                    row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue, row.GetDateTimeOffset("RevokedAt")));
            }
        }

        return [.. keys.OrderBy(k => k.CreatedAt)];
    }

    /// <summary>Revokes a key (its row stays, marked, for the record; its name is free again). Null when there is no such key.</summary>
    public async Task<ApiKeyView?> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsId(id))
        {
            return null;
        }

        var found = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: cancellationToken);
        if (!found.HasValue)
        {
            return null;
        }

        var row = found.Value!;
        var name = row.GetString("Name") ?? "?";
        if (row.GetDateTimeOffset("RevokedAt") is null)
        {
            row["RevokedAt"] = time.GetUtcNow();
            await Table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpdateMerge, row, row.ETag),
                new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition, NameRow(name)), ETag.All),
            ], cancellationToken);
            LogRevoked(logger, name, id);
        }

        _cache.Remove(id);
        return new ApiKeyView(id, name, ScopesOf(row), row.GetDouble("PermitsPerSecond"), row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue, row.GetDateTimeOffset("RevokedAt"));
    }

    /// <summary>Whether a presented credential is shaped like a named key at all (so it is looked up, not compared with Access:Key).</summary>
    public static bool IsNamedKey(string presented) => TryParse(presented, out _);

    /// <summary>The caller a presented key is, or null when it is unknown, revoked or wrong.</summary>
    public async Task<ApiCaller?> FindAsync(string presented, CancellationToken cancellationToken)
    {
        if (!TryParse(presented, out var id))
        {
            return null;
        }

        if (!_cache.TryGetValue(id, out StoredKey? stored))
        {
            var row = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: cancellationToken);
            stored = row.HasValue && row.Value!.GetString("Hash") is { } hash
                ? new StoredKey(id, row.Value.GetString("Name") ?? "?", ScopesOf(row.Value), row.Value.GetDouble("PermitsPerSecond"),
                    Convert.FromBase64String(hash), row.Value.GetDateTimeOffset("RevokedAt") is not null)
                : null;
            _cache.Set(id, stored, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = options.Value.CacheFor > TimeSpan.Zero ? options.Value.CacheFor : TimeSpan.FromTicks(1) });
        }

        return stored is { Revoked: false } && CryptographicOperations.FixedTimeEquals(Hash(presented), stored.Hash)
            ? new ApiCaller(stored.Name, stored.Scopes, stored.PermitsPerSecond)
            : null;
    }

    public void Dispose() => _cache.Dispose();

    private static bool TryParse(string presented, out string id)
    {
        id = string.Empty;
        if (presented.Length != KeyPrefix.Length + IdHexLength + 1 + SecretLength || !presented.StartsWith(KeyPrefix, StringComparison.Ordinal)
            || presented[KeyPrefix.Length + IdHexLength] != '_')
        {
            return false;
        }

        id = presented.Substring(KeyPrefix.Length, IdHexLength);
        return IsId(id);
    }

    private static bool IsId(string id) => id.Length == IdHexLength && id.All(char.IsAsciiHexDigitLower);

    private static string NameRow(string name) => NamePrefix + name.ToLowerInvariant();

    private static List<string> ScopesOf(TableEntity row) =>
        (row.GetString("Scopes") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).Where(ApiScopes.IsKnown).ToList();

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    [LoggerMessage(Level = LogLevel.Information, Message = "Created API key {ApiKey} ({ApiKeyId}) with scopes {Scopes}")]
    private static partial void LogCreated(ILogger logger, string apiKey, string apiKeyId, IReadOnlyList<string> scopes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revoked API key {ApiKey} ({ApiKeyId})")]
    private static partial void LogRevoked(ILogger logger, string apiKey, string apiKeyId);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
