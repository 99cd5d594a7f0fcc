using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Webhooks;

/// <summary>A callback the policy forbids (its scheme, or the addresses its host resolves to).</summary>
public sealed class WebhookRefusedException(string message) : Exception(message);

/// <summary>
/// Sends one signed event. The address policy is applied where the connection is made, to the
/// addresses just resolved (so a name that resolves elsewhere the second time gains nothing), with
/// no proxy (which would connect instead of us) and no redirects (a 3xx is a failed attempt: its
/// target was never checked). Its own HttpClient: the service defaults' retries would hide attempts.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient _client;
    private readonly IOptions<WebhookOptions> _options;
    private readonly TimeProvider _time;

    public WebhookSender(IOptions<WebhookOptions> options, TimeProvider time)
    {
        (_options, _time) = (options, time);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = ConnectAsync,
        };
        _client = new HttpClient(handler) { Timeout = options.Value.Timeout };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("ImageJobs-Webhooks/1");
    }

    public void Dispose() => _client.Dispose();

    /// <summary>One attempt at delivering <paramref name="stored"/> to <paramref name="url"/>, signed with <paramref name="secret"/>.</summary>
    public async Task<WebhookAttempt> SendAsync(WebhookEvent stored, string url, string secret, CancellationToken cancellationToken)
    {
        var at = _time.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        if (WebhookAddressPolicy.UrlProblem(url, _options.Value) is { } problem)
        {
            throw new WebhookRefusedException($"The callback {problem}");
        }

        var body = Encoding.UTF8.GetBytes(stored.Body);
        var timestamp = at.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        request.Headers.Add("webhook-id", stored.EventId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSignature.Sign(secret, stored.EventId, timestamp, body));
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            var error = status switch
            {
                >= 200 and < 300 => null,
                >= 300 and < 400 => $"answered {status} (a redirect, not followed: its target is not checked)",
                _ => $"answered {status}",
            };
            return new WebhookAttempt(at, status, error, stopwatch.ElapsedMilliseconds);
        }
        catch (HttpRequestException ex) when (ex.InnerException is WebhookRefusedException refused)
        {
            throw new WebhookRefusedException(refused.Message);
        }
        catch (HttpRequestException ex)
        {
            return new WebhookAttempt(at, null, $"no answer: {ex.Message}", stopwatch.ElapsedMilliseconds);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookAttempt(at, null, $"no answer within {_options.Value.Timeout.TotalSeconds:0.#} s (Webhooks:Timeout)", stopwatch.ElapsedMilliseconds);
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        if (WebhookAddressPolicy.ResolvedProblem(host, addresses, _options.Value) is { } problem)
        {
            throw new WebhookRefusedException($"The callback's host is refused: {problem}.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
