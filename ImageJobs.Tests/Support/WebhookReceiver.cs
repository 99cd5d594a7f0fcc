using System.Collections.Concurrent;
using ImageJobs.Examples;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ImageJobs.Tests.Support;

/// <summary>A request the receiver got: where, its Standard Webhooks headers, its body, whether the README's verifier accepted it, and the answer.</summary>
public sealed record ReceivedWebhook(string Path, string? Id, string? Timestamp, string? Signature, byte[] Body, bool Authentic, int Answer);

/// <summary>
/// A webhook receiver on 127.0.0.1 (Kestrel) that checks each request's signature with the README's
/// verifier. <c>/flaky</c> answers 500 to the first <see cref="FailFirst"/> requests of each event
/// id, then 200 (401 when the signature is wrong); <c>/redirect</c> answers 307 to <c>/never</c>.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentDictionary<string, int> _seen = new(StringComparer.Ordinal);
    private readonly string _secret;
    private WebApplication _app = null!;
    private string _address = string.Empty;

    private WebhookReceiver(string secret) => _secret = secret;

    public string Url(string path) => _address.TrimEnd('/') + path;

    /// <summary>How many requests of each event id <c>/flaky</c> answers 500 before it answers 200.</summary>
    public int FailFirst { get; set; } = 2;

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public static async Task<WebhookReceiver> StartAsync(string secret)
    {
        var receiver = new WebhookReceiver(secret);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        receiver._app = builder.Build();
        receiver._app.Map("/{**path}", receiver.HandleAsync);
        await receiver._app.StartAsync();
        receiver._address = receiver._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return receiver;
    }

    /// <summary>Waits until <paramref name="condition"/> holds for what was received.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(Received))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not received within {timeout}: got {Received.Count} requests.");
            await Task.Delay(50);
        }

        return Received;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var headers = context.Request.Headers;
        var (id, timestamp, signature) = (headers["webhook-id"].FirstOrDefault(), headers["webhook-timestamp"].FirstOrDefault(), headers["webhook-signature"].FirstOrDefault());
        var authentic = WebhookVerifier.IsAuthentic(_secret, id, timestamp, signature, body.ToArray(), DateTimeOffset.UtcNow);
        var path = context.Request.Path.Value ?? "/";
        var answer = path switch
        {
            "/redirect" => StatusCodes.Status307TemporaryRedirect,
            _ when !authentic => StatusCodes.Status401Unauthorized,
            "/flaky" when _seen.AddOrUpdate(id!, 1, (_, n) => n + 1) <= FailFirst => StatusCodes.Status500InternalServerError,
            _ => StatusCodes.Status200OK,
        };
        _received.Enqueue(new ReceivedWebhook(path, id, timestamp, signature, body.ToArray(), authentic, answer));
        if (answer == StatusCodes.Status307TemporaryRedirect)
        {
            context.Response.Headers.Location = "/never";
        }

        context.Response.StatusCode = answer;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
