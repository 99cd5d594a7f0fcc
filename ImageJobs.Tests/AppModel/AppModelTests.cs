using System.Diagnostics;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using ImageJobs.AppHost.Infrastructure;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageJobs.Tests.AppModel;

/// <summary>
/// What the AppHost's model holds in each mode, built but not started (no Docker engine runs
/// here, so container mode is checked as a model, and publish mode as the manifest azd reads).
/// </summary>
[Trait("Category", "Unit")]
public sealed class AppModelTests
{
    private static async Task<(IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment)> ConfigurationAsync(
        IResource resource, DistributedApplicationOperation operation = DistributedApplicationOperation.Run)
    {
        var result = await ExecutionConfigurationBuilder.Create(resource).WithArgumentsConfig().WithEnvironmentVariablesConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(operation), NullLogger.Instance, CancellationToken.None);
        return (result.Arguments.Select(a => a.Value).ToList(), result.EnvironmentVariables.ToDictionary(e => e.Key, e => e.Value.ToString()!));
    }

    private static async Task<IDistributedApplicationTestingBuilder> BuildAsync(params string[] args) =>
        await DistributedApplicationTestingBuilder.CreateAsync<Projects.ImageJobs_AppHost>(["Demo:Enabled=false", .. args]);

    [Fact]
    public async Task Container_mode_runs_rabbitmq_and_azurite_as_containers()
    {
        var builder = await BuildAsync("Infrastructure:Mode=Containers");
        var resources = builder.Resources;

        var messaging = Assert.IsType<RabbitMQServerResource>(resources.Single(r => r.Name == "messaging"));
        var rabbitImage = messaging.Annotations.OfType<ContainerImageAnnotation>().Single();
        Assert.Equal("library/rabbitmq", rabbitImage.Image);
        Assert.Contains("management", rabbitImage.Tag, StringComparison.Ordinal);
        var rabbitPorts = messaging.Annotations.OfType<EndpointAnnotation>().ToDictionary(e => e.Name, e => e.TargetPort);
        Assert.Equal(5672, rabbitPorts["tcp"]);
        Assert.Equal(15672, rabbitPorts["management"]);
        var (rabbitArgs, rabbitEnvironment) = await ConfigurationAsync(messaging);
        Assert.Equal("imagejobs", rabbitEnvironment[BrokerUsers.AdminUserVariable]);
        // The image starts after writing the same definitions as a local broker.
        Assert.Equal("bash", messaging.Entrypoint);
        Assert.Equal(["/imagejobs/scripts/rabbitmq-container.sh"], rabbitArgs);
        Assert.Contains(messaging.Annotations.OfType<ContainerMountAnnotation>(), m => m.Target == "/imagejobs" && m.IsReadOnly);
        AssertBrokerUserPasswords(rabbitEnvironment);

        var blobs = Assert.IsType<AzuriteResource>(resources.Single(r => r.Name == "blobs"));
        var azuriteImage = blobs.Annotations.OfType<ContainerImageAnnotation>().Single();
        Assert.Equal(("mcr.microsoft.com", "azure-storage/azurite"), (azuriteImage.Registry, azuriteImage.Image));
        Assert.Equal(10000, blobs.Annotations.OfType<EndpointAnnotation>().Single().TargetPort);
        var (azuriteArgs, _) = await ConfigurationAsync(blobs);
        Assert.Contains("--skipApiVersionCheck", azuriteArgs);
        Assert.Contains("--disableTelemetry", azuriteArgs);
        var tables = Assert.IsType<AzuriteResource>(resources.Single(r => r.Name == "tables"));
        Assert.Equal(10002, tables.Annotations.OfType<EndpointAnnotation>().Single().TargetPort);
        Assert.Equal("azurite-table", (await ConfigurationAsync(tables)).Item1[0]);

        // Aspire's own per-project rebuilders are executables too; none of ours may be.
        Assert.DoesNotContain(resources, r => r is ExecutableResource and not IResourceWithParent { Parent: ProjectResource });
        AssertServices(resources);
    }

    [Fact]
    public async Task Local_mode_runs_loopback_processes_with_generated_credentials()
    {
        using var data = new ScratchDirectory();
        var builder = await BuildAsync("Infrastructure:Mode=LocalProcesses", $"LocalInfrastructure:DataDirectory={data.Path}");
        var resources = builder.Resources;

        var messaging = Assert.IsType<LocalRabbitMQResource>(resources.Single(r => r.Name == "messaging"));
        var (rabbitArgs, environment) = await ConfigurationAsync(messaging);
        Assert.EndsWith("supervise.sh", rabbitArgs[0], StringComparison.Ordinal);
        Assert.NotEqual("guest", environment[BrokerUsers.AdminUserVariable]);
        AssertBrokerUserPasswords(environment);
        Assert.StartsWith(data.Path, environment["IMAGEJOBS_RABBITMQ_DATA"], StringComparison.Ordinal);
        Assert.All(messaging.Annotations.OfType<EndpointAnnotation>(), e => Assert.False(e.IsProxied));

        var blobs = Assert.IsType<LocalAzuriteResource>(resources.Single(r => r.Name == "blobs"));
        var (args, _) = await ConfigurationAsync(blobs);
        Assert.Equal("127.0.0.1", args[args.ToList().IndexOf("--blobHost") + 1]);
        var tables = Assert.IsType<LocalAzuriteResource>(resources.Single(r => r.Name == "tables"));
        var (tableArgs, _) = await ConfigurationAsync(tables);
        Assert.Equal("127.0.0.1", tableArgs[tableArgs.ToList().IndexOf("--tableHost") + 1]);
        Assert.StartsWith(data.Path, tableArgs[tableArgs.ToList().IndexOf("--location") + 1], StringComparison.Ordinal);
        Assert.All(tables.Annotations.OfType<EndpointAnnotation>(), e => Assert.False(e.IsProxied));

        Assert.DoesNotContain(resources, r => r is ContainerResource);
        AssertServices(resources);
    }

    [Fact]
    public void Npm_azurite_runs_its_script_under_node_with_the_heap_flags_and_any_other_program_as_it_is()
    {
        using var bin = new ScratchDirectory();
        var script = Path.Combine(bin.Path, "lib", "azurite", "dist", "src", "blob", "main.js");
        Directory.CreateDirectory(Path.GetDirectoryName(script)!);
        File.WriteAllText(script, "#!/usr/bin/env node\n");
        var link = Path.Combine(bin.Path, "azurite-blob");
        File.CreateSymbolicLink(link, Path.Combine("lib", "azurite", "dist", "src", "blob", "main.js"));
        var wrapper = Path.Combine(bin.Path, "azurite-wrapper");
        File.WriteAllText(wrapper, "#!/bin/sh\n");

        Assert.Equal(["node", "--heap-growing-percent=100", script], Azurite.Command(link));
        Assert.Equal([wrapper], Azurite.Command(wrapper));
        Assert.Equal(["/nonexistent/azurite-blob"], Azurite.Command("/nonexistent/azurite-blob"));
    }

    [Theory]
    [InlineData("LocalInfrastructure:RabbitMQServer=/nonexistent/rabbitmq-server", "apt-get install -y rabbitmq-server")]
    [InlineData("LocalInfrastructure:Azurite=/nonexistent/azurite-blob", "npm install -g azurite")]
    [InlineData("LocalInfrastructure:AzuriteTable=/nonexistent/azurite-table", "npm install -g azurite")]
    public async Task Local_mode_fails_at_once_saying_how_to_install_what_is_missing(string missing, string advice)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => BuildAsync("Infrastructure:Mode=LocalProcesses", missing));

        Assert.Contains(advice, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_replica_count_comes_from_one_setting()
    {
        var builder = await BuildAsync("Infrastructure:Mode=Containers", "Workers:Replicas=7", "Producers:Replicas=3");

        Assert.Equal(7, builder.Resources.Single(r => r.Name == "worker").Annotations.OfType<ReplicaAnnotation>().Single().Replicas);
        Assert.Equal(3, builder.Resources.Single(r => r.Name == "producer").Annotations.OfType<ReplicaAnnotation>().Single().Replicas);
    }

    [Fact]
    public async Task The_producer_has_dashboard_commands_for_a_demo_batch_and_requeueing_the_latest_failures()
    {
        var builder = await BuildAsync("Infrastructure:Mode=Containers");

        var commands = builder.Resources.Single(r => r.Name == "producer").Annotations.OfType<ResourceCommandAnnotation>().Select(c => c.Name).ToList();
        Assert.Contains("submit-demo-batch", commands);
        Assert.Contains("requeue-latest-failures", commands);
    }

    [Fact]
    public async Task The_publish_manifest_holds_no_executable_and_no_emulator()
    {
        using var output = new ScratchDirectory();
        var manifestPath = Path.Combine(output.Path, "manifest.json");
        using var process = Process.Start(new ProcessStartInfo(Repository.AppHostExecutable, ["--publisher", "manifest", "--output-path", manifestPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.Combine(Repository.Root, "ImageJobs.AppHost"),
        })!;
        var log = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == 0, await log + await process.StandardError.ReadToEndAsync());

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath));
        var resources = manifest.RootElement.GetProperty("resources").EnumerateObject()
            .ToDictionary(r => r.Name, r => r.Value.GetProperty("type").GetString());

        Assert.DoesNotContain("executable.v0", resources.Values);
        Assert.Equal("container.v0", resources["messaging"]);
        Assert.Equal("value.v0", resources["blobs"]); // the blob endpoint URI; see ImageJobs.Tests/Deployment
        Assert.Equal("value.v0", resources["tables"]); // the table endpoint URI, reached with the producer's identity
        Assert.Equal("project.v0", resources["producer"]);
        Assert.Equal("project.v0", resources["worker"]);
        var password = manifest.RootElement.GetProperty("resources").GetProperty("messaging-password");
        Assert.True(password.GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
    }

    [Theory]
    [InlineData("Containers")]
    [InlineData("LocalProcesses")]
    public async Task Producer_and_workers_connect_as_their_own_broker_users_never_as_the_administrator(string mode)
    {
        using var data = new ScratchDirectory();
        var builder = await BuildAsync($"Infrastructure:Mode={mode}", $"LocalInfrastructure:DataDirectory={data.Path}");

        foreach (var (service, role) in new[] { ("producer", BrokerRole.Producer), ("worker", BrokerRole.Worker) })
        {
            // As an expression: resolving it would wait for endpoints that only a started app allocates.
            var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish));
            foreach (var callback in builder.Resources.Single(r => r.Name == service).Annotations.OfType<EnvironmentCallbackAnnotation>())
            {
                await callback.Callback(context);
            }

            var connectionString = Assert.IsType<ReferenceExpression>(context.EnvironmentVariables["ConnectionStrings__messaging"]).ValueExpression;
            Assert.StartsWith($"amqp://{BrokerUsers.UserName(role)}:{{{BrokerUsers.PasswordParameter("messaging", role)}.value}}@", connectionString, StringComparison.Ordinal);
            Assert.Contains("{messaging.bindings.", connectionString, StringComparison.Ordinal);
            Assert.DoesNotContain("messaging-password", string.Join('\n', context.EnvironmentVariables.Values.OfType<IManifestExpressionProvider>().Select(v => v.ValueExpression)), StringComparison.Ordinal);
        }
    }

    /// <summary>Every user the definitions create has a generated password of its own.</summary>
    private static void AssertBrokerUserPasswords(IReadOnlyDictionary<string, string> environment)
    {
        var passwords = BrokerUsers.Roles.Select(BrokerUsers.PasswordVariable).Append(BrokerUsers.AdminPasswordVariable)
            .Select(variable => environment[variable]).ToList();
        Assert.All(passwords, p => Assert.Matches("^[A-Za-z0-9]{24,}$", p));
        Assert.Equal(passwords.Count, passwords.Distinct().Count());
    }

    private static void AssertServices(IResourceCollection resources)
    {
        var producer = Assert.IsType<ProjectResource>(resources.Single(r => r.Name == "producer"));
        var worker = Assert.IsType<ProjectResource>(resources.Single(r => r.Name == "worker"));
        Assert.Equal(3, worker.Annotations.OfType<ReplicaAnnotation>().Single().Replicas);
        // Two producers by default: they share the batch state in the table service.
        Assert.Equal(2, producer.Annotations.OfType<ReplicaAnnotation>().Single().Replicas);
        Assert.Contains("tables", producer.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name));
        Assert.DoesNotContain("tables", worker.Annotations.OfType<ResourceRelationshipAnnotation>().Select(r => r.Resource.Name));

        foreach (var service in new[] { producer, worker })
        {
            var waits = service.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).ToHashSet();
            Assert.Superset(new HashSet<string> { "messaging", "blobs" }, waits);
        }

        Assert.Contains("producer", worker.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name));
    }
}
