using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using ImageJobs.Producer.Access;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.Logging;

namespace ImageJobs.Tests.Integration;

/// <summary>Named keys with scopes, in process against the real table storage: created, used, limited and revoked.</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class ApiKeyTests(LocalInfrastructure infrastructure)
{
    private const string AdminKey = "the-admin-key-for-the-key-tests-0123";
    private static readonly string[] AdminScope = [ApiScopes.Admin];
    private static readonly string[] ReadScope = [ApiScopes.Read];
    private static readonly string[] UnknownScope = ["everything"];
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_key_does_what_its_scopes_allow_is_stored_hashed_and_named_in_logs_and_traces_never_shown_again()
    {
        var logs = new CapturingLoggerProvider();
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix,
            new Dictionary<string, string?> { ["Access:Key"] = AdminKey }, configure: b => b.Logging.AddProvider(logs), environmentName: "Production");
        var traced = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (traced) { traced.Add(activity); } },
        };
        ActivitySource.AddActivityListener(listener);

        var reader = await CreateAsync(producer, AdminKey, "reader", [ApiScopes.Read]);
        var submitter = await CreateAsync(producer, AdminKey, "ci-submitter", [ApiScopes.Submit, ApiScopes.Read]);
        Assert.StartsWith("ij_", reader.Key, StringComparison.Ordinal);
        Assert.NotEqual(reader.Key, submitter.Key);

        // read: every GET; no change, and no key administration.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(producer, HttpMethod.Get, "/api/batches", reader.Key));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(producer, HttpMethod.Get, "/", reader.Key));
        using (var refused = await RequestAsync(producer, HttpMethod.Post, "/api/batches", reader.Key, new { }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("lacks the scope 'submit'", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(producer, HttpMethod.Get, "/api/keys", reader.Key));
        // submit: through to the endpoint (which refuses the empty batch), as HTTP Basic's password too; not admin.
        Assert.Equal(HttpStatusCode.BadRequest, await SendAsync(producer, HttpMethod.Post, "/api/batches", submitter.Key, new { }));
        using (var basic = new HttpRequestMessage(HttpMethod.Get, "/api/batches"))
        {
            basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("anyone:" + submitter.Key)));
            Assert.Equal(HttpStatusCode.OK, (await producer.Http.SendAsync(basic)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(producer, HttpMethod.Post, "/api/operator/requeue-latest", submitter.Key));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(producer, HttpMethod.Post, "/api/keys", submitter.Key, new { name = "x", scopes = AdminScope }));
        // A key of the right shape that was never made, or one altered: refused like no key.
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(producer, HttpMethod.Get, "/api/batches", reader.Key[..^1] + (reader.Key[^1] == 'A' ? 'B' : 'A')));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(producer, HttpMethod.Get, "/api/batches", "ij_0123456789abcdef_" + new string('x', 43)));

        // Names are unique among live keys; scopes and names are checked.
        Assert.Equal(HttpStatusCode.Conflict, await SendAsync(producer, HttpMethod.Post, "/api/keys", AdminKey, new { name = "reader", scopes = ReadScope }));
        using (var invalid = await RequestAsync(producer, HttpMethod.Post, "/api/keys", AdminKey, new { name = "bad name", scopes = UnknownScope }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
            var errors = (await invalid.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
            Assert.True(errors.ContainsKey("name") && errors.ContainsKey("scopes"), errors.ToJsonString());
        }

        // Listed without any key or hash; revoked, refused at once, and listed as revoked.
        var listed = await ListAsync(producer);
        Assert.DoesNotContain(reader.Key, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(submitter.Key, listed, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(producer, HttpMethod.Delete, "/api/keys/" + reader.Id, AdminKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(producer, HttpMethod.Get, "/api/batches", reader.Key));
        Assert.Equal(HttpStatusCode.NotFound, await SendAsync(producer, HttpMethod.Delete, "/api/keys/0123456789abcdef", AdminKey));
        var keys = (await producer.Http.SendAsync(Authorized(HttpMethod.Get, "/api/keys", AdminKey))).Content.ReadFromJsonAsync<ApiKeyView[]>();
        Assert.NotNull(Assert.Single((await keys)!, k => k.Id == reader.Id).RevokedAt);
        // The name is free again.
        var again = await CreateAsync(producer, AdminKey, "reader", [ApiScopes.Read]);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(producer, HttpMethod.Get, "/api/batches", again.Key));

        // Stored as the SHA-256 of the key: no row holds a key.
        var table = infrastructure.Tables().GetTableClient("apikeys" + _suffix);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        var stored = string.Join('\n', rows.SelectMany(r => r.Select(p => p.Value?.ToString())));
        Assert.DoesNotContain(submitter.Key, stored, StringComparison.Ordinal);
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(submitter.Key))), rows.Single(r => r.RowKey == submitter.Id).GetString("Hash"));

        // Logs and traces name the key, never show it (nor the admin key).
        var everything = string.Join('\n', logs.Entries.Select(e => e.Message + " " + string.Join(' ', e.Properties.Select(p => $"{p.Key}={p.Value}"))));
        foreach (var secret in new[] { reader.Key, submitter.Key, again.Key, AdminKey })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }

        Assert.Contains(logs.Entries, e => e.Message.Contains("key ci-submitter: it lacks scope admin", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.Properties.TryGetValue("ApiKey", out var name) && (string?)name == "ci-submitter");
        lock (traced)
        {
            Assert.Contains(traced, a => (string?)a.GetTagItem("imagejobs.api_key") == "ci-submitter");
            Assert.Contains(traced, a => (string?)a.GetTagItem("imagejobs.api_key") == "access-key");
            Assert.DoesNotContain(traced, a => a.Tags.Any(t => t.Value is { } v && (v.Contains(submitter.Key, StringComparison.Ordinal) || v.Contains(AdminKey, StringComparison.Ordinal))));
        }
    }

    [Fact]
    public async Task Each_key_has_its_own_rate_limit_answered_with_429_and_Retry_After()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, new Dictionary<string, string?>
        {
            ["Access:Key"] = AdminKey,
            ["ApiKeys:Burst"] = "3",
        });
        var slow = await CreateAsync(producer, AdminKey, "slow", [ApiScopes.Read], permitsPerSecond: 0.2);
        var other = await CreateAsync(producer, AdminKey, "other", [ApiScopes.Read], permitsPerSecond: 0.2);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add(await SendAsync(producer, HttpMethod.Get, "/api/batches", slow.Key));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        using (var limited = await RequestAsync(producer, HttpMethod.Get, "/api/batches", slow.Key))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            // One token per 5 s: the wait is told in whole seconds.
            Assert.InRange(limited.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
            Assert.Contains("'slow' is over its rate limit", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Another key's bucket is its own.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(producer, HttpMethod.Get, "/api/batches", other.Key));
    }

    [Fact]
    public async Task A_key_revoked_on_one_replica_is_refused_by_the_other_within_the_cache_period()
    {
        var settings = new Dictionary<string, string?> { ["Access:Key"] = AdminKey, ["ApiKeys:CacheFor"] = "00:00:01" };
        await using var first = await InProcessProducer.StartAsync(infrastructure, _suffix, settings);
        await using var second = await InProcessProducer.StartAsync(infrastructure, _suffix, settings);
        var key = await CreateAsync(first, AdminKey, "shared", [ApiScopes.Read]);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(second, HttpMethod.Get, "/api/batches", key.Key));

        Assert.Equal(HttpStatusCode.OK, await SendAsync(first, HttpMethod.Delete, "/api/keys/" + key.Id, AdminKey));
        var stopwatch = Stopwatch.StartNew();
        while (await SendAsync(second, HttpMethod.Get, "/api/batches", key.Key) == HttpStatusCode.OK)
        {
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), "the other replica still takes the revoked key");
            await Task.Delay(200);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(second, HttpMethod.Get, "/api/batches", key.Key));
    }

    [Fact]
    public async Task Templates_are_saved_with_submit_and_deleted_with_admin_and_batches_are_controlled_with_submit()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix,
            new Dictionary<string, string?> { ["Access:Key"] = AdminKey }, environmentName: "Production");
        var reader = await CreateAsync(producer, AdminKey, "reader", [ApiScopes.Read]);
        var submitter = await CreateAsync(producer, AdminKey, "designer", [ApiScopes.Submit]);
        var template = new { name = "scoped", layers = new[] { new { kind = "text", name = "caption", text = "{name}" } } };

        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(producer, HttpMethod.Post, "/api/templates", reader.Key, template));
        Assert.Equal(HttpStatusCode.Created, await SendAsync(producer, HttpMethod.Post, "/api/templates", submitter.Key, template));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(producer, HttpMethod.Put, "/api/templates/scoped", reader.Key, new { template.layers }));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(producer, HttpMethod.Put, "/api/templates/scoped", submitter.Key, new { template.layers }));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(producer, HttpMethod.Delete, "/api/templates/scoped", submitter.Key));
        Assert.Equal(HttpStatusCode.NoContent, await SendAsync(producer, HttpMethod.Delete, "/api/templates/scoped", AdminKey));

        // Batch control: submit (the endpoint answers: no such batch), not read.
        foreach (var action in new[] { "cancel", "pause", "resume" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(producer, HttpMethod.Post, $"/api/batches/20260101-000000-00000000/{action}", reader.Key));
            Assert.Equal(HttpStatusCode.NotFound, await SendAsync(producer, HttpMethod.Post, $"/api/batches/20260101-000000-00000000/{action}", submitter.Key));
        }
    }

    private static async Task<CreatedApiKey> CreateAsync(InProcessProducer producer, string adminKey, string name, string[] scopes, double? permitsPerSecond = null)
    {
        using var response = await RequestAsync(producer, HttpMethod.Post, "/api/keys", adminKey, new { name, scopes, permitsPerSecond });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<CreatedApiKey>())!;
        Assert.Equal(name, created.Name);
        Assert.Equal(scopes, created.Scopes);
        return created;
    }

    private static async Task<string> ListAsync(InProcessProducer producer)
    {
        using var response = await RequestAsync(producer, HttpMethod.Get, "/api/keys", AdminKey);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("hash", body, StringComparison.OrdinalIgnoreCase);
        return body;
    }

    private static async Task<HttpStatusCode> SendAsync(InProcessProducer producer, HttpMethod method, string path, string key, object? body = null)
    {
        using var response = await RequestAsync(producer, method, path, key, body);
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> RequestAsync(InProcessProducer producer, HttpMethod method, string path, string key, object? body = null)
    {
        var request = Authorized(method, path, key);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return producer.Http.SendAsync(request);
    }

    private static HttpRequestMessage Authorized(HttpMethod method, string path, string key) =>
        new(method, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", key) } };
}
