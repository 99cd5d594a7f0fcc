using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.Options;

namespace ImageJobs.Tests.Integration;

/// <summary>The producer's access key, in process against the real infrastructure.</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class AccessTests(LocalInfrastructure infrastructure)
{
    private const string Key = "k3y-for-the-access-tests-0123456789";
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task With_a_key_set_the_page_and_the_api_open_only_to_requests_carrying_it()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix,
            new Dictionary<string, string?> { ["Access:Key"] = Key }, environmentName: "Production");

        foreach (var path in new[] { "/", "/app.js", "/api/batches", "/api/sources?prefix=" })
        {
            using var refused = await producer.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            // What makes a browser ask for the key (as a password) and send it with every request of the page.
            var challenge = Assert.Single(refused.Headers.WwwAuthenticate);
            Assert.Equal("Basic", challenge.Scheme);
        }

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(producer, "/api/batches", new("Bearer", Key)));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(producer, "/", Basic("anyone", Key)));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(producer, "/api/batches", Basic("", Key)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(producer, "/api/batches", new("Bearer", Key + "x")));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(producer, "/api/batches", Basic(Key, "wrong")));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(producer, "/api/batches", new("Basic", "not base64!")));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(producer, "/api/batches", new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Key)))));

        // Another site's form: refused outright, without the challenge that would make the browser ask for the key.
        using var crossSite = new HttpRequestMessage(HttpMethod.Post, "/api/batches") { Headers = { { "Sec-Fetch-Site", "cross-site" } } };
        using var refusedCrossSite = await producer.Http.SendAsync(crossSite);
        Assert.Equal(HttpStatusCode.Forbidden, refusedCrossSite.StatusCode);
        Assert.Empty(refusedCrossSite.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task Outside_development_the_producer_refuses_to_start_without_a_key()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            InProcessProducer.StartAsync(infrastructure, _suffix, environmentName: "Production"));
        Assert.Contains("Access:Key must be set", refused.Message, StringComparison.Ordinal);

        var tooShort = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            InProcessProducer.StartAsync(infrastructure, _suffix, new Dictionary<string, string?> { ["Access:Key"] = "short" }, environmentName: "Production"));
        Assert.Contains("Key", tooShort.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_key_the_producer_is_open_but_takes_no_change_a_browser_sends_from_another_site()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        Assert.Equal(HttpStatusCode.OK, (await producer.Http.GetAsync("/api/batches")).StatusCode);

        // What another site's form or script makes a browser send to a producer on loopback.
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(producer, ("Sec-Fetch-Site", "cross-site")));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(producer, ("Sec-Fetch-Site", "same-site")));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(producer, ("Origin", "http://evil.example")));
        // The page itself, and clients that are not browsers: through to the endpoint (which refuses the empty batch).
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(producer, ("Sec-Fetch-Site", "same-origin"), ("Origin", producer.Address)));
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(producer, ("Origin", producer.Address)));
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(producer));
        // Reading is not a change.
        using var read = new HttpRequestMessage(HttpMethod.Get, "/api/batches") { Headers = { { "Sec-Fetch-Site", "cross-site" } } };
        Assert.Equal(HttpStatusCode.OK, (await producer.Http.SendAsync(read)).StatusCode);
    }

    [Fact]
    public async Task The_test_host_runs_the_service_defaults_so_its_health_probes_answer_anonymously()
    {
        // With a key, as in Azure: the probes carry none.
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, new Dictionary<string, string?> { ["Access:Key"] = "a-key-of-sixteen-or-more" });

        Assert.Equal(HttpStatusCode.OK, (await producer.Http.GetAsync("/alive")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await producer.Http.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await producer.Http.GetAsync("/api/batches")).StatusCode);
    }

    private static async Task<HttpStatusCode> PostAsync(InProcessProducer producer, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/batches") { Content = JsonContent.Create(new { items = Array.Empty<object>() }) };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        using var response = await producer.Http.SendAsync(request);
        return response.StatusCode;
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static async Task<HttpStatusCode> StatusAsync(InProcessProducer producer, string path, AuthenticationHeaderValue authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = authorization } };
        using var response = await producer.Http.SendAsync(request);
        return response.StatusCode;
    }
}
