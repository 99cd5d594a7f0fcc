using System.Text.Json;
using System.Text.RegularExpressions;
using ImageJobs.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace ImageJobs.Tests.Deployment;

/// <summary>
/// What `azd up` would deploy, checked offline: the AppHost's publish manifest (azd reads it to
/// find services and parameters) and the Container App templates that replace azd's defaults.
/// </summary>
[Trait("Category", "Deployment")]
public sealed class AzureTopologyTests : IAsyncLifetime, IDisposable
{
    // The manifest types azd's Aspire support deploys that this AppHost may produce.
    private static readonly HashSet<string> DeployableTypes = ["parameter.v0", "value.v0", "annotated.string", "container.v0", "project.v0"];

    private readonly ScratchDirectory _output = new();
    private JsonDocument _manifest = null!;

    private JsonElement Resources => _manifest.RootElement.GetProperty("resources");

    public async Task InitializeAsync() => _manifest = await DeploymentFiles.PublishManifestAsync(_output.Path);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _manifest?.Dispose();
        _output.Dispose();
    }

    [Fact]
    public void The_manifest_holds_only_types_azd_deploys_and_each_app_has_a_template()
    {
        var types = Resources.EnumerateObject().ToDictionary(r => r.Name, r => r.Value.GetProperty("type").GetString()!);

        Assert.All(types, t => Assert.Contains(t.Value, DeployableTypes));
        var apps = types.Where(t => t.Value is "container.v0" or "project.v0").Select(t => t.Key).Order().ToList();
        Assert.Equal(["messaging", "producer", "worker"], apps);
        var templates = Directory.GetFiles(DeploymentFiles.TemplatesDirectory, "*.tmpl.yaml")
            .Select(f => Path.GetFileName(f)[..^".tmpl.yaml".Length]).Order().ToList();
        Assert.Equal(apps, templates);
    }

    [Fact]
    public void RabbitMQ_is_reachable_only_inside_the_environment_over_TCP_with_a_generated_password()
    {
        var messaging = Resources.GetProperty("messaging");
        var binding = Assert.Single(messaging.GetProperty("bindings").EnumerateObject());
        Assert.Equal("tcp", binding.Value.GetProperty("scheme").GetString());
        Assert.Equal(5672, binding.Value.GetProperty("targetPort").GetInt32());
        Assert.False(binding.Value.TryGetProperty("external", out var external) && external.GetBoolean());

        var password = Resources.GetProperty("messaging-password").GetProperty("inputs").GetProperty("value");
        Assert.True(password.GetProperty("secret").GetBoolean());
        Assert.True(password.GetProperty("default").GetProperty("generate").GetProperty("minLength").GetInt32() >= 24);
        var userName = Resources.GetProperty("messaging-username").GetProperty("inputs").GetProperty("value");
        Assert.NotEqual("guest", userName.GetProperty("default").GetProperty("value").GetString());

        var template = DeploymentFiles.LoadTemplate("messaging");
        var ingress = template.At("properties", "configuration", "ingress");
        Assert.Equal("false", ingress.At("external").Text());
        Assert.Equal("tcp", ingress.At("transport").Text());
        Assert.Equal(5672, ingress.At("targetPort").Integer());
        Assert.Equal(5672, ingress.At("exposedPort").Integer());
        Assert.Equal((1, 1), (template.At("properties", "template", "scale", "minReplicas").Integer(), template.At("properties", "template", "scale", "maxReplicas").Integer()));
    }

    [Fact]
    public void Only_the_producer_is_public_and_only_over_HTTPS_behind_a_generated_access_key()
    {
        var producerBindings = Resources.GetProperty("producer").GetProperty("bindings").EnumerateObject().ToList();
        Assert.All(producerBindings, b => Assert.True(b.Value.GetProperty("external").GetBoolean()));
        Assert.False(Resources.GetProperty("worker").TryGetProperty("bindings", out _));

        var producer = DeploymentFiles.LoadTemplate("producer");
        var ingress = producer.At("properties", "configuration", "ingress");
        Assert.Equal(("true", "http", "false"), (ingress.At("external").Text(), ingress.At("transport").Text(), ingress.At("allowInsecure").Text()));
        Assert.Equal(ingress.At("targetPort").Text(), producer.Environment()["HTTP_PORTS"].Value);
        // Without the key the producer (Production there) would not start; with it, nothing opens without it.
        Assert.Equal("secured.producer_access_key", Secret(producer, producer.Environment()["Access__Key"].SecretRef));
        var mainBicep = File.ReadAllText(Path.Combine(DeploymentFiles.InfraDirectory, "main.bicep"));
        Assert.Matches(@"@metadata\(\{ azd: \{ type: 'generate', config: \{ length: 32, noSpecial: true \} \} \}\)\s+@secure\(\)\s+(#.*\s+)?param producer_access_key string", mainBicep);
        Assert.Null(DeploymentFiles.LoadTemplate("worker").Find("properties", "configuration", "ingress"));
        Assert.Equal("false", DeploymentFiles.LoadTemplate("messaging").At("properties", "configuration", "ingress", "external").Text());
    }

    [Fact]
    public void Blob_storage_is_an_endpoint_reached_with_the_managed_identity_and_no_key()
    {
        var blobs = Resources.GetProperty("blobs");
        Assert.Equal("{blobs-endpoint.value}", blobs.GetProperty("connectionString").GetString());
        var endpoint = Resources.GetProperty("blobs-endpoint").GetProperty("inputs").GetProperty("value");
        Assert.False(endpoint.TryGetProperty("secret", out var secret) && secret.GetBoolean());

        foreach (var service in new[] { "producer", "worker" })
        {
            var template = DeploymentFiles.LoadTemplate(service);
            var environment = template.Environment();
            Assert.Equal("env.BLOBS_ENDPOINT", environment["ConnectionStrings__blobs"].Value);
            // Each app's own identity (its blob roles are in storage.bicep), plus the pull identity.
            var identity = service.ToUpperInvariant() + "_IDENTITY";
            Assert.Equal($"env.{identity}_CLIENT_ID", environment["AZURE_CLIENT_ID"].Value);
            Assert.Equal([$"env.{identity}_ID", "env.AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID"], Identities(template));
        }

        Assert.Equal(["env.AZURE_CONTAINER_REGISTRY_MANAGED_IDENTITY_ID"], Identities(DeploymentFiles.LoadTemplate("messaging")));

        var everything = string.Join('\n', new[] { _manifest.RootElement.GetRawText() }
            .Concat(Directory.GetFiles(DeploymentFiles.TemplatesDirectory).Select(File.ReadAllText))
            .Concat(Directory.GetFiles(DeploymentFiles.InfraDirectory).Select(File.ReadAllText)));
        Assert.DoesNotContain("AccountKey", everything, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SharedAccessSignature", everything, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("listKeys", File.ReadAllText(Path.Combine(DeploymentFiles.InfraDirectory, "storage.bicep")), StringComparison.Ordinal);
    }

    [Fact]
    public void Batch_state_is_a_table_endpoint_only_the_producers_reach_and_at_least_two_of_them_run()
    {
        Assert.Equal("{tables-endpoint.value}", Resources.GetProperty("tables").GetProperty("connectionString").GetString());
        var producer = DeploymentFiles.LoadTemplate("producer");
        Assert.Equal("env.TABLES_ENDPOINT", producer.Environment()["ConnectionStrings__tables"].Value);
        Assert.Equal("env.BATCH_TABLE", producer.Environment()["BatchState__Table"].Value);
        Assert.Equal("env.API_KEY_TABLE", producer.Environment()["ApiKeys__Table"].Value);
        Assert.False(DeploymentFiles.LoadTemplate("worker").Environment().ContainsKey("ConnectionStrings__tables"));
        // Retention: the producers delete rows, the lifecycle rule results, after the same time.
        Assert.Equal("false", producer.Environment()["Retention__DeleteResults"].Value);
        var storage = File.ReadAllText(Path.Combine(DeploymentFiles.InfraDirectory, "storage.bicep"));
        var days = int.Parse(System.Text.RegularExpressions.Regex.Match(storage, @"param retentionDays int = (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromDays(days), TimeSpan.Parse(producer.Environment()["Retention__BatchesFor"].Value!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("daysAfterModificationGreaterThan: retentionDays", storage, StringComparison.Ordinal);
        Assert.Contains("prefixMatch: ['results/']", storage, StringComparison.Ordinal);
        var scale = producer.At("properties", "template", "scale");
        Assert.True(scale.At("minReplicas").Integer() >= 2);
        Assert.True(scale.At("maxReplicas").Integer() >= scale.At("minReplicas").Integer());
    }

    [Theory]
    [InlineData("producer")]
    [InlineData("worker")]
    public void Each_service_template_carries_the_settings_the_AppHost_gives_it(string service)
    {
        var environment = DeploymentFiles.LoadTemplate(service).Environment();
        var manifestEnvironment = Resources.GetProperty(service).GetProperty("env").EnumerateObject()
            .Where(e => e.Name.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || e.Name.Contains("__", StringComparison.Ordinal) && !e.Name.StartsWith("OTEL", StringComparison.Ordinal));

        foreach (var setting in manifestEnvironment)
        {
            Assert.True(environment.ContainsKey(setting.Name), $"{service}.tmpl.yaml lacks {setting.Name}");
            var value = setting.Value.GetString()!;
            if (!value.Contains('{', StringComparison.Ordinal))
            {
                Assert.Equal(value, environment[setting.Name].Value); // a literal: the same in Azure
            }
        }
    }

    [Theory]
    [InlineData("messaging")]
    [InlineData("producer")]
    [InlineData("worker")]
    public void Secrets_reach_containers_only_as_secret_references(string service)
    {
        var template = DeploymentFiles.LoadTemplate(service);
        foreach (var (name, (value, secretRef)) in template.Environment())
        {
            Assert.False(value?.Contains("secured.", StringComparison.Ordinal) ?? false, $"{name} holds a secret in plain text");
            Assert.False(value?.Contains("amqp://", StringComparison.Ordinal) ?? false, $"{name} holds a connection string in plain text");
            if (secretRef is not null)
            {
                Assert.NotNull(Secret(template, secretRef));
            }
        }
    }

    [Theory]
    [InlineData("messaging")]
    [InlineData("producer")]
    [InlineData("worker")]
    public void Every_template_value_is_one_azd_can_fill_in(string service) =>
        Assert.Empty(Unresolvable(DeploymentFiles.TemplateExpressions(service), MainBicep));

    [Fact]
    public void The_template_check_refuses_what_azd_would_not_fill_in()
    {
        // messaging_username is a manifest parameter with a default, but no parameter of main.bicep.
        Assert.True(Resources.GetProperty("messaging-username").GetProperty("inputs").GetProperty("value").TryGetProperty("default", out _));
        string[] wrong = ["securedParameter \"messaging_username\"", "parameter \"nothing\"", ".Env.NOT_AN_OUTPUT", "index .Env \"X\""];

        Assert.Equal(wrong.Length, Unresolvable(wrong, MainBicep).Count);
        Assert.Empty(Unresolvable(["securedParameter \"messaging_password\"", "parameterWithDefault \"messaging_username\" \"imagejobs\"", ".Env.RABBITMQ_IMAGE", ".Image"], MainBicep));
    }

    private static string MainBicep => File.ReadAllText(Path.Combine(DeploymentFiles.InfraDirectory, "main.bicep"));

    /// <summary>The template expressions azd could not fill in, each with why.</summary>
    private static List<string> Unresolvable(IEnumerable<string> expressions, string mainBicep)
    {
        var outputs = Regex.Matches(mainBicep, @"^output (\w+) ", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        // azd resolves `parameter` and `securedParameter` from main.bicep's parameters only (or
        // AZURE_* variables), not from the manifest: a name only the manifest has fails `azd deploy`.
        var parameters = Regex.Matches(mainBicep, @"^param (\w+) ", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        var problems = new List<string>();
        foreach (var expression in expressions)
        {
            if (Regex.Match(expression, @"^\.Env\.(\w+)$") is { Success: true } env)
            {
                // AZURE_LOCATION is azd's own; everything else must be an output of main.bicep.
                if (env.Groups[1].Value != "AZURE_LOCATION" && !outputs.Contains(env.Groups[1].Value))
                {
                    problems.Add($"{expression} is no output of main.bicep");
                }
            }
            else if (Regex.Match(expression, "^(parameter|securedParameter) \"(\\w+)\"$") is { Success: true } parameter)
            {
                if (!parameters.Contains(parameter.Groups[2].Value))
                {
                    problems.Add($"{expression}: no such parameter in main.bicep");
                }
            }
            else if (!Regex.IsMatch(expression, "^(parameterWithDefault \"\\w+\" \"[^\"]+\"|\\.Image|targetPortOrDefault \\d+)$"))
            {
                // parameterWithDefault carries its own default; .Image and targetPortOrDefault are azd's.
                problems.Add($"{expression}: not an expression this check knows azd fills in");
            }
        }

        return problems;
    }

    [Theory]
    [InlineData("messaging")]
    [InlineData("producer")]
    [InlineData("worker")]
    public void The_api_version_is_a_quoted_string_not_a_YAML_date(string service)
    {
        var line = File.ReadLines(DeploymentFiles.TemplatePath(service)).Single(l => l.StartsWith("api-version:", StringComparison.Ordinal));

        Assert.Matches("^api-version: \"\\d{4}-\\d{2}-\\d{2}(-preview)?\"$", line);
    }

    /// <summary>The user-assigned identities a template gives its app, in order.</summary>
    private static List<string> Identities(YamlNode template) =>
        ((YamlMappingNode)template.At("identity", "userAssignedIdentities")).Children.Keys.Select(k => k.Text()).ToList();

    /// <summary>The value of a template secret, by name (null if undeclared).</summary>
    internal static string? Secret(YamlNode template, string? name) =>
        (template.Find("properties", "configuration", "secrets") as YamlSequenceNode)?.Children.Cast<YamlMappingNode>()
            .SingleOrDefault(s => s.At("name").Text() == name)?.At("value").Text();
}
