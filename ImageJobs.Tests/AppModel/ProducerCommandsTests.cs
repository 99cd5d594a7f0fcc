using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using ImageJobs.AppHost;

namespace ImageJobs.Tests.AppModel;

/// <summary>The dashboard's commands on the producer carry the key the producer is given (built, not started).</summary>
[Trait("Category", "Unit")]
public sealed class ProducerCommandsTests
{
    private static async Task<IDistributedApplicationTestingBuilder> BuildAsync(params string[] args) =>
        await DistributedApplicationTestingBuilder.CreateAsync<Projects.ImageJobs_AppHost>(["Demo:Enabled=false", "Infrastructure:Mode=Containers", .. args]);

    private static async Task<Dictionary<string, object>> EnvironmentAsync(IResource producer)
    {
        // As expressions: resolving them would wait for endpoints that only a started app allocates.
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish));
        foreach (var callback in producer.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        return context.EnvironmentVariables;
    }

    private static async Task<HttpRequestMessage> CommandRequestAsync(ParameterResource? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1/api/operator/demo-batch");
        await ProducerCommands.SendKey(key)(new HttpCommandRequestContext
        {
            Services = null!,
            ResourceName = "producer",
            Endpoint = null!,
            CancellationToken = CancellationToken.None,
            HttpClient = null!,
            Request = request,
        });
        return request;
    }

    [Fact]
    public async Task With_a_key_the_producer_gets_it_and_the_commands_send_it_as_a_bearer_token()
    {
        var builder = await BuildAsync($"Parameters:{ProducerCommands.AccessKeyParameter}=a-local-key-of-some-length");
        var producer = builder.Resources.Single(r => r.Name == "producer");
        var key = (ParameterResource)builder.Resources.Single(r => r.Name == ProducerCommands.AccessKeyParameter);

        Assert.Same(key, (await EnvironmentAsync(producer))["Access__Key"]);
        Assert.True(key.Secret);
        using var request = await CommandRequestAsync(key);
        Assert.Equal("Bearer a-local-key-of-some-length", request.Headers.Authorization?.ToString());
        var commands = producer.Annotations.OfType<ResourceCommandAnnotation>().Select(c => c.Name).ToList();
        Assert.Contains("submit-demo-batch", commands);
        Assert.Contains("requeue-latest-failures", commands);
        Assert.Contains("cancel-latest-batch", commands);
        Assert.Contains("pause-latest-batch", commands);
        Assert.Contains("resume-latest-batch", commands);
    }

    [Fact]
    public async Task Without_a_key_the_producer_gets_none_and_the_commands_send_none()
    {
        var builder = await BuildAsync();
        var producer = builder.Resources.Single(r => r.Name == "producer");

        Assert.DoesNotContain("Access__Key", (await EnvironmentAsync(producer)).Keys);
        Assert.DoesNotContain(builder.Resources, r => r.Name == ProducerCommands.AccessKeyParameter);
        using var request = await CommandRequestAsync(null);
        Assert.Null(request.Headers.Authorization);
    }
}
