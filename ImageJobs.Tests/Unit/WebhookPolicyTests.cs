using System.Net;
using System.Text;
using ImageJobs.Examples;
using ImageJobs.Producer.Webhooks;

namespace ImageJobs.Tests.Unit;

/// <summary>Which callbacks may be called (no SSRF), how events are signed, and when a failed delivery is tried again.</summary>
[Trait("Category", "Unit")]
public sealed class WebhookPolicyTests
{
    private static readonly WebhookOptions Azure = new();
    private static readonly WebhookOptions Local = new() { AllowHttp = true, AllowedHosts = ["localhost", "127.0.0.1"] };

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.255.254", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("0.0.0.0", "'this network'")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fc00::1", "unique-local")]
    [InlineData("fd12:3456::1", "unique-local")]
    [InlineData("::ffff:127.0.0.1", "IPv4-mapped")]
    [InlineData("::ffff:8.8.8.8", "IPv4-mapped")]
    [InlineData("::127.0.0.1", "IPv4-compatible")]
    [InlineData("64:ff9b::a00:1", "NAT64")]
    [InlineData("2002:a00:1::", "6to4")]
    [InlineData("2001:0:4136:e378::1", "Teredo")]
    [InlineData("ff02::1", "multicast")]
    public void Addresses_inside_an_environment_are_refused(string address, string kind)
    {
        var problem = WebhookAddressPolicy.AddressProblem(IPAddress.Parse(address));
        Assert.NotNull(problem);
        Assert.Contains(kind, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("193.0.14.129")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:830::200e")]
    public void Public_addresses_may_be_called(string address) =>
        Assert.Null(WebhookAddressPolicy.AddressProblem(IPAddress.Parse(address)));

    [Fact]
    public void A_name_with_one_internal_address_among_public_ones_is_refused_unless_a_setting_allows_the_host()
    {
        IPAddress[] mixed = [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("10.0.0.5")];
        Assert.Contains("10.0.0.5", WebhookAddressPolicy.ResolvedProblem("hooks.example.com", mixed, Azure), StringComparison.Ordinal);
        Assert.Null(WebhookAddressPolicy.ResolvedProblem("hooks.example.com", [IPAddress.Parse("93.184.216.34")], Azure));
        Assert.Contains("no address", WebhookAddressPolicy.ResolvedProblem("hooks.example.com", [], Azure), StringComparison.Ordinal);

        Assert.NotNull(WebhookAddressPolicy.ResolvedProblem("localhost", [IPAddress.Loopback, IPAddress.IPv6Loopback], Azure));
        Assert.Null(WebhookAddressPolicy.ResolvedProblem("LOCALHOST", [IPAddress.Loopback, IPAddress.IPv6Loopback], Local));
    }

    [Theory]
    [InlineData("https://hooks.example.com/imagejobs?token=abc", null)]
    [InlineData("http://hooks.example.com/", "must be an https URL")]
    [InlineData("ftp://hooks.example.com/", "must be an https URL")]
    [InlineData("file:///etc/passwd", "absolute http(s) URL")]
    [InlineData("/relative/path", "absolute http(s) URL")]
    [InlineData("https://user:pass@hooks.example.com/", "user name or password")]
    [InlineData("https://hooks.example.com/#frag", "fragment")]
    [InlineData("https://127.0.0.1/", "loopback")]
    [InlineData("https://[::1]:8443/", "loopback")]
    [InlineData("https://[::ffff:169.254.169.254]/", "IPv4-mapped")]
    [InlineData("https://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("https://2130706433/", "loopback")]
    [InlineData("https://0x7f.1/", "loopback")]
    public void Callback_urls_in_azure(string url, string? problem)
    {
        var found = WebhookAddressPolicy.UrlProblem(url, Azure);
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.NotNull(found);
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Local_mode_allows_http_and_the_loopback_hosts_it_names_and_nothing_else_inside()
    {
        Assert.Null(WebhookAddressPolicy.UrlProblem("http://127.0.0.1:5000/hook", Local));
        Assert.Null(WebhookAddressPolicy.UrlProblem("http://localhost:5000/hook", Local));
        Assert.Contains("private", WebhookAddressPolicy.UrlProblem("http://192.168.0.10/hook", Local), StringComparison.Ordinal);
        Assert.Contains("must be at most", WebhookAddressPolicy.UrlProblem("https://example.com/" + new string('a', 2_000), Local), StringComparison.Ordinal);
    }

    [Fact]
    public void The_shown_url_drops_the_query_which_may_hold_a_token() =>
        Assert.Equal("https://hooks.example.com:8443/imagejobs", WebhookAddressPolicy.Shown("https://hooks.example.com:8443/imagejobs?token=secret"));

    [Fact]
    public void Signatures_match_the_standard_webhooks_test_vector_and_the_readme_verifier()
    {
        // Standard Webhooks' own example (secret, id, timestamp, body, signature).
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        var body = Encoding.UTF8.GetBytes("{\"test\": 2432232314}");
        var signature = WebhookSignature.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);

        var at = DateTimeOffset.FromUnixTimeSeconds(1614265330);
        Assert.True(WebhookVerifier.IsAuthentic(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,other= " + signature, body, at.AddSeconds(30)));
        Assert.False(WebhookVerifier.IsAuthentic(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", signature, body, at.AddMinutes(6)));
        Assert.False(WebhookVerifier.IsAuthentic(secret, "msg_other", "1614265330", signature, body, at));
        Assert.False(WebhookVerifier.IsAuthentic(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", signature, [.. body, (byte)' '], at));
        Assert.False(WebhookVerifier.IsAuthentic(WebhookSignature.NewSecret(), "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", signature, body, at));
    }

    [Theory]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null)]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with 'whsec_'")]
    [InlineData("whsec_c2hvcnQ=", "24 to 64 bytes")]
    [InlineData("whsec_not base64!!", "24 to 64 bytes")]
    public void Secrets_are_standard_webhooks_secrets(string secret, string? problem)
    {
        var found = WebhookSignature.SecretProblem(secret);
        Assert.Equal(problem is null, found is null);
        if (problem is not null)
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, found, StringComparison.Ordinal);
        }

        Assert.Null(WebhookSignature.SecretProblem(WebhookSignature.NewSecret()));
    }

    [Fact]
    public void Failed_deliveries_back_off_exponentially_up_to_the_cap_and_are_given_up_after_a_day()
    {
        var options = new WebhookOptions { FirstRetryAfter = TimeSpan.FromSeconds(10), MaxRetryAfter = TimeSpan.FromHours(1), RetryFor = TimeSpan.FromDays(1) };
        var raised = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(raised.AddSeconds(10), WebhookSchedule.NextAttemptAt(1, raised, raised, options));
        Assert.Equal(raised.AddSeconds(20), WebhookSchedule.NextAttemptAt(2, raised, raised, options));
        Assert.Equal(raised.AddSeconds(80), WebhookSchedule.NextAttemptAt(4, raised, raised, options));
        Assert.Equal(raised.AddHours(1), WebhookSchedule.NextAttemptAt(12, raised, raised, options));
        Assert.Equal(raised.AddHours(1), WebhookSchedule.NextAttemptAt(1_000, raised, raised, options));

        // Attempt after attempt, as the dispatcher records them: ends within a day, after a bounded number of attempts.
        var (now, attempts) = (raised, 0);
        while (WebhookSchedule.NextAttemptAt(++attempts, raised, now, options) is { } next)
        {
            Assert.True(next > now);
            now = next;
        }

        Assert.InRange(now, raised.AddHours(22), raised.AddDays(1));
        Assert.InRange(attempts, 20, 40);
    }

    [Fact]
    public void A_batch_callback_is_checked_by_field_and_needs_a_secret_of_its_own_or_the_settings()
    {
        var errors = new Dictionary<string, string[]>();
        WebhookRequestValidator.Validate(new WebhookRequest("https://10.0.0.1/hook"), Azure, errors);
        Assert.Contains("private", Assert.Single(errors["webhook.url"]), StringComparison.Ordinal);
        Assert.Contains("Webhooks:Secret", Assert.Single(errors["webhook.secret"]), StringComparison.Ordinal);

        errors.Clear();
        WebhookRequestValidator.Validate(new WebhookRequest(null, "whsec_short"), Azure, errors);
        Assert.Equal(["webhook.secret", "webhook.url"], errors.Keys.Order());

        errors.Clear();
        var withSecret = new WebhookOptions { Secret = WebhookSignature.NewSecret(), Url = "https://hooks.example.com/all", OnFailure = true };
        WebhookRequestValidator.Validate(new WebhookRequest("https://hooks.example.com/one"), withSecret, errors);
        Assert.Empty(errors);
        Assert.Equal(new WebhookSubscription("https://hooks.example.com/all", null, true), WebhookRequestValidator.SubscriptionFor(null, withSecret));
        Assert.Null(WebhookRequestValidator.SubscriptionFor(null, Azure));
    }

    [Fact]
    public void Settings_that_disagree_are_refused_naming_the_setting()
    {
        Assert.Null(new WebhookOptions().Problem());
        Assert.StartsWith("Webhooks:Secret", new WebhookOptions { Secret = "nope" }.Problem(), StringComparison.Ordinal);
        Assert.StartsWith("Webhooks:Url", new WebhookOptions { Url = "https://hooks.example.com/" }.Problem(), StringComparison.Ordinal);
        Assert.StartsWith("Webhooks:Url", new WebhookOptions { Url = "https://192.168.1.1/", Secret = WebhookSignature.NewSecret() }.Problem(), StringComparison.Ordinal);
        Assert.StartsWith("Webhooks:LeaseFor", new WebhookOptions { Timeout = TimeSpan.FromMinutes(1), LeaseFor = TimeSpan.FromSeconds(30) }.Problem(), StringComparison.Ordinal);
    }
}
