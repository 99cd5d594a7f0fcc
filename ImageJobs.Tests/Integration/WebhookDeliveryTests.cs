using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Webhooks;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// Signed webhooks from real producers (two sharing one Azurite table) to a real receiver on
/// 127.0.0.1 that checks each signature with the README's verifier.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class WebhookDeliveryTests(LocalInfrastructure infrastructure) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _suffix = "hooks" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _secret = WebhookSignature.NewSecret();

    public Task InitializeAsync() => ServiceHosts.ResetQueuesAsync(infrastructure);

    public async Task DisposeAsync()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await infrastructure.Tables().DeleteTableAsync(LocalInfrastructure.TableName(_suffix));
    }

    private static Dictionary<string, string?> Settings(string lease = "00:00:03", string retryFor = "00:01:00") => new()
    {
        ["Webhooks:AllowHttp"] = "true",
        ["Webhooks:AllowedHosts:0"] = "127.0.0.1",
        ["Webhooks:PollEvery"] = "00:00:00.100",
        ["Webhooks:FirstRetryAfter"] = "00:00:00.200",
        ["Webhooks:MaxRetryAfter"] = "00:00:00.500",
        ["Webhooks:Timeout"] = "00:00:02",
        ["Webhooks:LeaseFor"] = lease,
        ["Webhooks:RetryFor"] = retryFor,
    };

    [Fact]
    public async Task Two_producers_deliver_each_event_once_signed_and_retry_after_500s()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_secret);
        await using var a = await InProcessProducer.StartAsync(infrastructure, _suffix, Settings());
        await using var b = await InProcessProducer.StartAsync(infrastructure, _suffix, Settings());
        var batchId = await SubmitAsync(a, receiver.Url("/flaky"), onFailure: true, total: 3);

        // The jobs end at both replicas: one failure and one success at A, the last success at B.
        await a.App.Services.GetRequiredService<BatchTracker>().RecordAsync([Report(batchId, 0, JobStatus.Succeeded), Report(batchId, 1, JobStatus.Failed)], CancellationToken.None);
        await b.App.Services.GetRequiredService<BatchTracker>().RecordAsync([Report(batchId, 2, JobStatus.Succeeded)], CancellationToken.None);

        var received = await receiver.WaitForAsync(r => r.Count(x => x.Answer == 200) == 2, Patience);
        // Nothing more comes once both are delivered: no replica sends an event another holds or delivered.
        await Task.Delay(TimeSpan.FromSeconds(2));
        received = receiver.Received;
        Assert.All(received, r => Assert.True(r.Authentic, $"{r.Id}: signature {r.Signature} does not verify"));
        var byEvent = received.GroupBy(r => r.Id!).ToDictionary(g => g.Key, g => g.Select(r => r.Answer).ToList());
        Assert.Equal(2, byEvent.Count);
        Assert.All(byEvent.Values, answers => Assert.Equal([500, 500, 200], answers));

        var bodies = received.Where(r => r.Answer == 200).Select(r => JsonDocument.Parse(r.Body).RootElement).ToDictionary(e => e.GetProperty("type").GetString()!);
        var completed = bodies[WebhookEventTypes.BatchCompleted].GetProperty("data");
        Assert.Equal((batchId, 3, 2, 1), (completed.GetProperty("batchId").GetString(), completed.GetProperty("total").GetInt32(),
            completed.GetProperty("succeeded").GetInt32(), completed.GetProperty("failed").GetInt32()));
        var failed = bodies[WebhookEventTypes.JobFailed].GetProperty("data");
        Assert.Equal((JobPlanner.JobId(batchId, 1), "image.corrupt"), (failed.GetProperty("jobId").GetString(), failed.GetProperty("errorCode").GetString()));

        // Every attempt is recorded, and reads the same through the other replica.
        var deliveries = (await b.Http.GetFromJsonAsync<WebhookDeliveries>($"/api/batches/{batchId}/webhooks"))!;
        Assert.Equal(receiver.Url("/flaky"), deliveries.Url);
        Assert.All(deliveries.Events, e =>
        {
            Assert.Equal((WebhookStates.Delivered, 3, (DateTimeOffset?)null), (e.State, e.AttemptCount, e.NextAttemptAt));
            Assert.Equal([500, 500, 200], e.Attempts.Select(x => x.Status ?? 0));
            Assert.Contains("answered 500", e.Attempts[0].Error, StringComparison.Ordinal);
        });
        Assert.Equal(byEvent.Keys.Order(), deliveries.Events.Select(e => e.Id).Order());
    }

    [Fact]
    public async Task An_event_held_by_a_replica_that_died_is_delivered_once_its_lease_runs_out()
    {
        // A replica raised the event and claimed it, then died before sending it.
        var options = Options.Create(new BatchStateOptions { Table = LocalInfrastructure.TableName(_suffix) });
        var batches = new BatchStore(infrastructure.Tables(), options, TimeProvider.System);
        await batches.CreateAsync(CancellationToken.None);
        var batchId = "died-" + _suffix;
        await batches.SaveAsync(new BatchDefinition(batchId, DateTimeOffset.UtcNow, 1, true, null), CancellationToken.None);
        await using var receiver = await WebhookReceiver.StartAsync(_secret);
        receiver.FailFirst = 0;
        var store = new WebhookStore(infrastructure.Tables(), options);
        await store.SaveSubscriptionAsync(batchId, new WebhookSubscription(receiver.Url("/flaky"), _secret, false), CancellationToken.None);
        await store.RaiseAsync(batchId, "completed.1.0", WebhookEventTypes.BatchCompleted, "{\"type\":\"batch.completed\"}", DateTimeOffset.UtcNow, CancellationToken.None);
        var leaseEnd = DateTimeOffset.UtcNow.AddSeconds(4);
        Assert.NotNull(await store.TryClaimAsync(Assert.Single(await store.ListDueAsync(DateTimeOffset.UtcNow, 10, CancellationToken.None)), leaseEnd, CancellationToken.None));

        await using var survivor = await InProcessProducer.StartAsync(infrastructure, _suffix, Settings());
        var delivered = Assert.Single(await receiver.WaitForAsync(r => r.Count > 0, Patience));
        Assert.True(DateTimeOffset.FromUnixTimeSeconds(long.Parse(delivered.Timestamp!, System.Globalization.CultureInfo.InvariantCulture)) >= leaseEnd.AddSeconds(-1),
            "Delivered while the dead replica's lease still held it.");
        Assert.Equal($"{batchId}.completed.1.0", delivered.Id);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(receiver.Received);
        Assert.Equal(WebhookStates.Delivered, Assert.Single(await store.ListAsync(batchId, CancellationToken.None)).State);
    }

    [Fact]
    public async Task Callbacks_inside_the_environment_and_redirects_reach_nothing_and_say_why()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_secret);
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, Settings(retryFor: "00:00:03"));

        // Refused at submission: addresses inside the environment, and no secret to sign with.
        foreach (var (url, problem) in new[] { ("http://169.254.169.254/latest/meta-data/", "link-local"), ("http://10.0.0.1/hook", "private"), ("http://[::ffff:127.0.0.1]/", "IPv4-mapped") })
        {
            using var refused = await producer.Http.PostAsJsonAsync("/api/batches", Request(url, _secret, false, 1));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.Contains(problem, errors.GetProperty("webhook.url")[0].GetString(), StringComparison.Ordinal);
        }

        using var unsigned = await producer.Http.PostAsJsonAsync("/api/batches", Request(receiver.Url("/flaky"), null, false, 1));
        Assert.Contains("Webhooks:Secret", (await unsigned.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("webhook.secret")[0].GetString(), StringComparison.Ordinal);

        // A name that resolves to loopback, not allowed by the setting (only 127.0.0.1 is): refused when called, given up at once.
        var byName = await SubmitAsync(producer, receiver.Url("/flaky").Replace("127.0.0.1", "localhost", StringComparison.Ordinal), false, 1);
        var redirected = await SubmitAsync(producer, receiver.Url("/redirect"), false, 1);
        var tracker = producer.App.Services.GetRequiredService<BatchTracker>();
        await tracker.RecordAsync([Report(byName, 0, JobStatus.Succeeded)], CancellationToken.None);
        await tracker.RecordAsync([Report(redirected, 0, JobStatus.Succeeded)], CancellationToken.None);

        var refusedEvent = await WaitForStateAsync(producer, byName, WebhookStates.GivenUp);
        Assert.Equal(1, refusedEvent.AttemptCount);
        Assert.Contains("resolves to", refusedEvent.Attempts[0].Error, StringComparison.Ordinal);
        Assert.Contains("loopback", refusedEvent.Attempts[0].Error, StringComparison.Ordinal);

        // A redirect is a failed attempt, never followed; retried until Webhooks:RetryFor, then given up.
        var redirectEvent = await WaitForStateAsync(producer, redirected, WebhookStates.GivenUp);
        Assert.True(redirectEvent.AttemptCount >= 2, $"{redirectEvent.AttemptCount} attempts");
        Assert.All(redirectEvent.Attempts, x => Assert.Equal((307, true), (x.Status, x.Error!.Contains("not followed", StringComparison.Ordinal))));
        Assert.All(receiver.Received, r => Assert.Equal("/redirect", r.Path));
        Assert.Equal(redirectEvent.AttemptCount, receiver.Received.Count);
    }

    private static async Task<WebhookEventView> WaitForStateAsync(InProcessProducer producer, string batchId, string state)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var deliveries = (await producer.Http.GetFromJsonAsync<WebhookDeliveries>($"/api/batches/{batchId}/webhooks"))!;
            if (deliveries.Events is [{ } only] && only.State == state)
            {
                return only;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Batch {batchId}: events {JsonSerializer.Serialize(deliveries)}");
            await Task.Delay(100);
        }
    }

    private static SubmitBatchRequest Request(string url, string? secret, bool onFailure, int total) => new()
    {
        Items = [.. Enumerable.Range(0, total).Select(i => new BatchItem($"in/{i}.jpg", $"caption {i}"))],
        Webhook = new WebhookRequest(url, secret, onFailure),
    };

    private async Task<string> SubmitAsync(InProcessProducer producer, string url, bool onFailure, int total)
    {
        using var response = await producer.Http.PostAsJsonAsync("/api/batches", Request(url, _secret, onFailure, total));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<BatchAccepted>())!.BatchId;
    }

    private static JobOutcome Report(string batchId, int index, JobStatus status) => new(JobOutcome.CurrentSchemaVersion, JobPlanner.JobId(batchId, index), batchId,
        status, status == JobStatus.Succeeded ? $"{batchId}/{index}.jpg" : null, null, status == JobStatus.Failed ? "image.corrupt" : null,
        status == JobStatus.Failed ? "not an image" : null, 1, false, "test", DateTimeOffset.UtcNow);
}
