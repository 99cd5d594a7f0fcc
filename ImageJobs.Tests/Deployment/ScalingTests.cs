using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using ImageJobs.AppHost;
using ImageJobs.Messaging;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace ImageJobs.Tests.Deployment;

/// <summary>
/// One source of truth for the number of workers: the AppHost's settings. The Azure template's
/// bounds and KEDA rule must say the same, or these fail.
/// </summary>
[Trait("Category", "Deployment")]
public sealed class ScalingTests
{
    private static async Task<(int Replicas, IConfiguration Configuration)> AppHostAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ImageJobs_AppHost>(
            ["Demo:Enabled=false", "Infrastructure:Mode=Containers"]);
        var worker = builder.Resources.Single(r => r.Name == "worker");
        return (worker.Annotations.OfType<ReplicaAnnotation>().Single().Replicas, builder.Configuration);
    }

    private static YamlNode Scale() => DeploymentFiles.LoadTemplate("worker").At("properties", "template", "scale");

    [Fact]
    public async Task The_worker_minimum_in_Azure_is_the_AppHost_replica_count()
    {
        var (replicas, configuration) = await AppHostAsync();

        var scaleToZero = configuration.GetValue<bool>(ServiceConfiguration.WorkerScaleToZeroInAzureKey);
        Assert.Equal(scaleToZero ? 0 : replicas, Scale().At("minReplicas").Integer());
    }

    [Fact]
    public async Task Workers_scale_on_the_jobs_queue_length_up_to_the_maximum_set_beside_the_replica_count()
    {
        var (replicas, configuration) = await AppHostAsync();
        var maximum = configuration.GetValue<int?>(ServiceConfiguration.WorkerMaxReplicasKey);
        var perReplica = configuration.GetValue<int?>(ServiceConfiguration.WorkerJobsPerReplicaKey);
        Assert.NotNull(maximum);
        Assert.NotNull(perReplica);
        // 1,000: the most replicas a Container App revision may have (learn.microsoft.com/azure/container-apps/scale-app, "Scale definition").
        Assert.InRange(maximum.Value, replicas, 1000);
        Assert.True(perReplica > 0);

        var scale = Scale();
        Assert.Equal(maximum, scale.At("maxReplicas").Integer());
        var rule = (YamlMappingNode)Assert.Single(((YamlSequenceNode)scale.At("rules")).Children);
        var custom = rule.At("custom");
        Assert.Equal("rabbitmq", custom.At("type").Text());
        Assert.Equal("QueueLength", custom.At("metadata", "mode").Text());
        Assert.Equal(JobTopology.JobsQueue, custom.At("metadata", "queueName").Text());
        Assert.Equal(perReplica, custom.At("metadata", "value").Integer());

        // KEDA connects as its own user (queue depth only) to the broker's environment-internal FQDN and exposed port.
        var auth = (YamlMappingNode)Assert.Single(((YamlSequenceNode)custom.At("auth")).Children);
        Assert.Equal("host", auth.At("triggerParameter").Text());
        var host = AzureTopologyTests.Secret(DeploymentFiles.LoadTemplate("worker"), auth.At("secretRef").Text());
        Assert.Equal("amqp://imagejobs-keda:secured.messaging_keda_password@messaging.internal.env.AZURE_CONTAINER_APPS_ENVIRONMENT_DEFAULT_DOMAIN:5672", host);
    }
}
