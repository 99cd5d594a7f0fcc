using ImageJobs.Messaging;
using YamlDotNet.RepresentationModel;

namespace ImageJobs.Tests.Deployment;

/// <summary>
/// Workers in Azure scale by infra/worker.tmpl.yaml alone (the AppHost's Workers:Replicas is the
/// local count): on the jobs queue's length, between bounds Container Apps accepts.
/// </summary>
[Trait("Category", "Deployment")]
public sealed class ScalingTests
{
    private static YamlNode Scale() => DeploymentFiles.LoadTemplate("worker").At("properties", "template", "scale");

    [Fact]
    public void Workers_scale_on_the_jobs_queue_length_between_bounds_Container_Apps_accepts()
    {
        var scale = Scale();
        var minimum = scale.At("minReplicas").Integer();
        var maximum = scale.At("maxReplicas").Integer();
        // 1,000: the most replicas a Container App revision may have (learn.microsoft.com/azure/container-apps/scale-app, "Scale definition").
        Assert.InRange(minimum, 0, maximum);
        Assert.InRange(maximum, 1, 1000);
        var rule = (YamlMappingNode)Assert.Single(((YamlSequenceNode)scale.At("rules")).Children);
        var custom = rule.At("custom");
        Assert.Equal("rabbitmq", custom.At("type").Text());
        Assert.Equal("QueueLength", custom.At("metadata", "mode").Text());
        Assert.Equal(JobTopology.JobsQueue, custom.At("metadata", "queueName").Text());
        Assert.True(custom.At("metadata", "value").Integer() > 0, "jobs per replica");

        // KEDA connects as its own user (queue depth only) to the broker's environment-internal FQDN and exposed port.
        var auth = (YamlMappingNode)Assert.Single(((YamlSequenceNode)custom.At("auth")).Children);
        Assert.Equal("host", auth.At("triggerParameter").Text());
        var host = AzureTopologyTests.Secret(DeploymentFiles.LoadTemplate("worker"), auth.At("secretRef").Text());
        Assert.Equal("amqp://imagejobs-keda:secured.messaging_keda_password@messaging.internal.env.AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN:5672", host);
    }
}
