using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Docs;

/// <summary>
/// The README's copy-paste examples are the code the tests run: the webhook verifier shown is
/// docs/examples/WebhookVerifier.cs, compiled into this assembly and used by the webhook tests'
/// receiver against real signed events (Integration/WebhookDeliveryTests) and the spec's vector.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ReadmeExampleTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

    [Fact]
    public void The_readme_shows_the_webhook_verifier_the_tests_compile_and_run()
    {
        var verifier = File.ReadAllText(Path.Combine(Repository.Root, "docs", "examples", "WebhookVerifier.cs"));
        Assert.Contains("```csharp\n" + verifier + "```", Readme, StringComparison.Ordinal);
    }
}
