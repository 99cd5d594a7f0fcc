using System.Net.Http.Headers;
using ImageJobs.Producer.Access;
using ImageJobs.Producer.ApiReference;
using ImageJobs.Tests.Support;
using Microsoft.Playwright;

namespace ImageJobs.Tests.Browser;

/// <summary>The API reference page (/docs) in headless Chromium: it renders the document, keeps to its policy, and asks nothing of any other host.</summary>
[Trait("Category", "Browser")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class ApiReferencePageTests(LocalInfrastructure infrastructure, ITestOutputHelper output)
{
    private const string AccessKey = "a-key-for-the-docs-test-0123456789";
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task The_reference_page_renders_every_operation_from_this_host_alone_under_its_policy()
    {
        Assert.True(Chromium.IsInstalled, $"{Chromium.Executable} is missing: scripts/setup.sh installs Debian's chromium.");
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, new Dictionary<string, string?> { ["Access:Key"] = AccessKey });
        producer.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AccessKey);

        // Its own policy, a fresh nonce each time; the batches page keeps its strict one.
        var policies = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            // The page itself: /docs sends a browser there, and HttpClient drops the key on a redirect.
            using var docs = await producer.Http.GetAsync(ApiDescription.PagePath + "/");
            docs.EnsureSuccessStatusCode();
            policies.Add(string.Join(' ', docs.Headers.GetValues("Content-Security-Policy")));
        }

        Assert.All(policies, p => Assert.Contains("script-src 'self' 'nonce-", p, StringComparison.Ordinal));
        Assert.All(policies, p => Assert.Contains("connect-src 'self';", p, StringComparison.Ordinal));
        Assert.DoesNotContain("unsafe-eval", policies[0], StringComparison.Ordinal);
        Assert.NotEqual(policies[0], policies[1]);
        using (var root = await producer.Http.GetAsync("/"))
        {
            Assert.Equal(SecurityHeaders.PagePolicy, string.Join(' ', root.Headers.GetValues("Content-Security-Policy")));
        }

        await using var chromium = await Chromium.LaunchAsync(producer.Address);
        await using var context = await chromium.NewContextAsync(new BrowserNewContextOptions
        {
            HttpCredentials = new HttpCredentials { Username = "person", Password = AccessKey, Origin = chromium.Site.GetLeftPart(UriPartial.Authority), Send = HttpCredentialsSend.Always },
        });
        var requested = new List<string>();
        context.Request += (_, request) =>
        {
            lock (requested)
            {
                requested.Add(request.Url);
            }
        };
        var page = await context.NewPageAsync();
        await page.GotoAsync(producer.Address + ApiDescription.PagePath);
        // The operations and their tags come from the document the page fetched and rendered.
        await page.UntilAsync("document.body.innerText.includes('Submit a batch') && document.body.innerText.includes('Preview')", TimeSpan.FromSeconds(60));
        // Late requests (fonts, images, anything loaded lazily) are made before they are counted.
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        List<string> seen;
        lock (requested)
        {
            seen = [.. requested];
        }

        foreach (var url in seen.Distinct())
        {
            output.WriteLine(url.Length > 120 ? url[..120] : url);
        }

        Assert.Contains(seen, u => u.EndsWith(ApiDescription.DocumentPath, StringComparison.Ordinal));
        Assert.Empty(chromium.OffHostRequests);
        // The policy holds: Scalar's script tries eval (new Function) once, is refused, and renders all the same.
        var violations = await page.EvaluateAsync<string[]>("window.cspViolations");
        Assert.All(violations, v => Assert.Equal("script-src eval", v));
    }
}
