using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ImageJobs.AppHost.Infrastructure;
using ImageJobs.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace ImageJobs.Tests.Deployment;

/// <summary>
/// The broker in Azure: the same users by role as a local broker (one definitions file), each
/// app connecting as its own, and an image from the deployment's own registry, pinned by digest.
/// </summary>
[Trait("Category", "Deployment")]
public sealed partial class BrokerDeploymentTests
{
    private static readonly Dictionary<string, string> StandIns = new()
    {
        [BrokerUsers.AdminUserVariable] = "param.messaging_username",
        [BrokerUsers.AdminPasswordVariable] = "secured.messaging_password",
        [BrokerUsers.PasswordVariable(BrokerRole.Producer)] = "secured.messaging_producer_password",
        [BrokerUsers.PasswordVariable(BrokerRole.Worker)] = "secured.messaging_worker_password",
        [BrokerUsers.PasswordVariable(BrokerRole.Keda)] = "secured.messaging_keda_password",
    };

    [Fact]
    public void The_broker_in_Azure_loads_the_same_definitions_as_a_local_broker()
    {
        var template = DeploymentFiles.LoadTemplate("messaging");
        var local = File.ReadAllText(BrokerUsers.DefinitionsTemplate(Path.Combine(Repository.Root, "ImageJobs.AppHost")));
        foreach (var (variable, standIn) in StandIns)
        {
            local = local.Replace("${" + variable + "}", standIn, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("${", local, StringComparison.Ordinal);
        var azure = AzureTopologyTests.Secret(template, "broker-definitions");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(local), JsonNode.Parse(azure!)), $"messaging.tmpl.yaml's broker-definitions differ from Infrastructure/broker/definitions.json:\n{azure}");

        // Mounted from the secrets, and named by the configuration file the broker reads.
        var environment = template.Environment();
        Assert.Equal("/etc/rabbitmq/imagejobs/rabbitmq.conf", environment["RABBITMQ_CONFIG_FILE"].Value);
        Assert.Equal("load_definitions = /etc/rabbitmq/imagejobs/definitions.json", AzureTopologyTests.Secret(template, "broker-config"));
        var container = (YamlMappingNode)((YamlSequenceNode)template.At("properties", "template", "containers")).Children.Single();
        var mount = (YamlMappingNode)((YamlSequenceNode)container.At("volumeMounts")).Children.Single();
        Assert.Equal("/etc/rabbitmq/imagejobs", mount.At("mountPath").Text());
        var volume = (YamlMappingNode)((YamlSequenceNode)template.At("properties", "template", "volumes")).Children.Single();
        Assert.Equal((mount.At("volumeName").Text(), "Secret"), (volume.At("name").Text(), volume.At("storageType").Text()));
        var files = ((YamlSequenceNode)volume.At("secrets")).Children.ToDictionary(f => f.At("path").Text(), f => f.At("secretRef").Text());
        Assert.Equal(new Dictionary<string, string> { ["definitions.json"] = "broker-definitions", ["rabbitmq.conf"] = "broker-config" }, files);
        // With definitions to import the broker creates no default user: none is configured.
        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("RABBITMQ_DEFAULT_", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("producer", BrokerRole.Producer)]
    [InlineData("worker", BrokerRole.Worker)]
    public void Each_app_connects_as_its_own_broker_user(string service, BrokerRole role)
    {
        var template = DeploymentFiles.LoadTemplate(service);

        var connectionString = AzureTopologyTests.Secret(template, template.Environment()["ConnectionStrings__messaging"].SecretRef);
        Assert.Equal($"amqp://{BrokerUsers.UserName(role)}:{StandIns[BrokerUsers.PasswordVariable(role)]}@messaging:5672", connectionString);
    }

    [Fact]
    public void RabbitMQ_is_pulled_from_the_deployments_registry_by_digest_after_the_hook_imports_it()
    {
        var template = DeploymentFiles.LoadTemplate("messaging");
        var container = (YamlMappingNode)((YamlSequenceNode)template.At("properties", "template", "containers")).Children.Single();
        Assert.Equal("env.RABBITMQ_IMAGE", container.At("image").Text());
        var registry = (YamlMappingNode)((YamlSequenceNode)template.At("properties", "configuration", "registries")).Children.Single();
        Assert.Equal(("env.AZURE_CONTAINER_REGISTRY_ENDPOINT", "env.AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID"), (registry.At("server").Text(), registry.At("identity").Text()));

        var resources = File.ReadAllText(Path.Combine(DeploymentFiles.InfraDirectory, "resources.bicep"));
        Assert.Matches(PinnedImage(), resources);
        Assert.Matches(@"(?m)^output RABBITMQ_IMAGE string = resources\.outputs\.RABBITMQ_IMAGE$", File.ReadAllText(Path.Combine(DeploymentFiles.InfraDirectory, "main.bicep")));

        var azureYaml = new YamlStream();
        azureYaml.Load(new StringReader(File.ReadAllText(Path.Combine(Repository.Root, "azure.yaml"))));
        var hook = azureYaml.Documents.Single().RootNode.At("hooks", "postprovision");
        Assert.Equal("sh", hook.At("shell").Text());
        Assert.True(File.Exists(Path.Combine(Repository.Root, hook.At("run").Text())), hook.At("run").Text());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_hook_imports_the_pinned_digest_once_and_refuses_an_unpinned_image(bool alreadyThere)
    {
        using var scratch = new ScratchDirectory();
        var calls = Path.Combine(scratch.Path, "calls");
        // A fake az: records its arguments; `acr repository show` finds the image or not.
        await File.WriteAllTextAsync(Path.Combine(scratch.Path, "az"),
            $"#!/bin/sh\necho \"$*\" >> '{calls}'\ncase \"$*\" in 'acr repository show'*) [ \"$FAKE_AZ_HAS_IMAGE\" = true ];; *) exit 0;; esac\n");
        Assert.Equal(0, (await DeploymentFiles.RunAsync("chmod", ["+x", "az"], scratch.Path, TimeSpan.FromSeconds(30))).ExitCode);
        const string Digest = "sha256:345dd3c11d67892c7b452fb2237d94f577acb2aa0569c3fd5c9841eb0c1b57fb";
        Task<DeploymentFiles.ProcessResult> RunAsync(string image) => DeploymentFiles.RunAsync("sh",
            [Path.Combine(DeploymentFiles.InfraDirectory, "hooks", "import-rabbitmq.sh")], scratch.Path, TimeSpan.FromMinutes(1), new Dictionary<string, string>
            {
                ["PATH"] = scratch.Path + ":" + Environment.GetEnvironmentVariable("PATH"),
                ["RABBITMQ_IMAGE"] = image,
                ["AZURE_CONTAINER_REGISTRY_ENDPOINT"] = "acrabc123.azurecr.io",
                ["FAKE_AZ_HAS_IMAGE"] = alreadyThere ? "true" : "false",
            });

        var result = await RunAsync($"acrabc123.azurecr.io/library/rabbitmq@{Digest}");

        Assert.True(result.ExitCode == 0, result.Output);
        var made = await File.ReadAllLinesAsync(calls);
        Assert.Equal($"acr repository show --name acrabc123 --image library/rabbitmq@{Digest}", made[0]);
        Assert.Equal(alreadyThere ? [made[0]] : [made[0], $"acr import --name acrabc123 --source docker.io/library/rabbitmq@{Digest} --image library/rabbitmq:pinned-345dd3c11d67 --force"], made);

        var unpinned = await RunAsync("acrabc123.azurecr.io/library/rabbitmq:4.3");
        Assert.NotEqual(0, unpinned.ExitCode);
        Assert.Contains("not pinned by digest", unpinned.StandardError, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"var rabbitmqDigest = 'sha256:[0-9a-f]{64}'\s[\s\S]*output RABBITMQ_IMAGE string = '\$\{containerRegistry\.properties\.loginServer\}/library/rabbitmq@\$\{rabbitmqDigest\}'")]
    private static partial Regex PinnedImage();
}
