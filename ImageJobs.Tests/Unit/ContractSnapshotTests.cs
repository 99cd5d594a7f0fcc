using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Templates;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Unit;

/// <summary>
/// Each message's wire shape, pinned by a committed example per message and schema version
/// (Unit/Snapshots). A renamed, removed or added field fails here, so no change to what workers
/// and producers exchange goes unplanned (ImageJobs.Contracts/README.md says when to bump a version).
/// </summary>
[Trait("Category", "Unit")]
public class ContractSnapshotTests
{
    public static TheoryData<string, string> Snapshots => new()
    {
        { "render-job.v1.json", nameof(RenderJob) },
        { "render-job.v2.json", nameof(RenderJob) },
        { "render-job.v3.json", nameof(RenderJob) },
        { "render-job.v4.json", nameof(RenderJob) },
        { "batch-template.json", nameof(JobTemplate) },
        { "job-outcome.v1.json", nameof(JobOutcome) },
    };

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void The_committed_example_reads_and_writes_back_unchanged(string file, string message)
    {
        var snapshot = Load(file);

        var written = message switch
        {
            nameof(RenderJob) => JsonSerializer.SerializeToNode(JsonSerializer.Deserialize(snapshot.ToJsonString(), JobJson.Default.RenderJob), JobJson.Default.RenderJob),
            nameof(JobTemplate) => JsonSerializer.SerializeToNode(JsonSerializer.Deserialize(snapshot.ToJsonString(), JobJson.Default.JobTemplate), JobJson.Default.JobTemplate),
            _ => JsonSerializer.SerializeToNode(JsonSerializer.Deserialize(snapshot.ToJsonString(), JobJson.Default.JobOutcome), JobJson.Default.JobOutcome),
        };

        // A field the example has and the message lost (renamed, removed) is missing here; a
        // changed type or enum name reads differently.
        Assert.True(JsonNode.DeepEquals(snapshot, written), $"{file} changed on the way through {message}:\n{written}");
    }

    [Theory]
    [MemberData(nameof(Snapshots))]
    public void Every_field_of_the_message_is_in_its_example(string file, string message)
    {
        var typeInfo = message switch
        {
            nameof(RenderJob) => (JsonTypeInfo)JobJson.Default.RenderJob,
            nameof(JobTemplate) => JobJson.Default.JobTemplate,
            _ => JobJson.Default.JobOutcome,
        };

        var missing = MissingFields(typeInfo, Load(file), "").ToList();

        // A new field must be added to the example (and thought about: see the Contracts README).
        Assert.True(missing.Count == 0, $"{file} lacks: {string.Join(", ", missing)}");
    }

    /// <summary>
    /// A job's statuses travel by name: renaming or removing one breaks a peer that sends or stores it.
    /// Held and Cancelled came after version 1 (a producer from before parks them); new ones go at the end.
    /// </summary>
    [Fact]
    public void The_job_statuses_are_pinned()
    {
        var pinned = Load("job-statuses.json").AsArray().Select(name => name!.GetValue<string>());
        Assert.Equal(pinned, Enum.GetNames<JobStatus>());
    }

    [Fact]
    public void The_version_each_example_names_is_the_current_one()
    {
        Assert.Equal(RenderJob.CaptionSchemaVersion, Load("render-job.v1.json")["schemaVersion"]!.GetValue<int>());
        Assert.Equal(RenderJob.TemplateSchemaVersion, Load("render-job.v2.json")["schemaVersion"]!.GetValue<int>());
        Assert.Equal(RenderJob.BatchTemplateSchemaVersion, Load("render-job.v3.json")["schemaVersion"]!.GetValue<int>());
        Assert.Equal(RenderJob.CurrentSchemaVersion, Load("render-job.v4.json")["schemaVersion"]!.GetValue<int>());
        Assert.Equal(JobOutcome.CurrentSchemaVersion, Load("job-outcome.v1.json")["schemaVersion"]!.GetValue<int>());
    }

    [Fact]
    public void A_version_1_example_has_no_template_version_2_no_caption_and_version_3_only_fills()
    {
        var v1 = JobMessageReader.Read(System.Text.Encoding.UTF8.GetBytes(Load("render-job.v1.json").ToJsonString()));
        var v2 = JobMessageReader.Read(System.Text.Encoding.UTF8.GetBytes(Load("render-job.v2.json").ToJsonString()));
        var v3 = JobMessageReader.Read(System.Text.Encoding.UTF8.GetBytes(Load("render-job.v3.json").ToJsonString()));

        Assert.Null(v1.Template);
        Assert.Null(v1.Fills);
        Assert.Null(v2.Text);
        Assert.Null(v2.Style);
        Assert.Null(v2.Fills);
        Assert.Equal(5, v2.Template!.Layers.Count);
        Assert.Equal((null, null, null), (v3.Text, v3.Style, v3.Template));
        Assert.Equal([1, 2, 4], v3.Fills!.Select(f => f.Layer));
    }

    /// <summary>
    /// Fields of the type absent from the example. Only version 1 has a caption, only version 2 a
    /// template and only versions 3 and 4 fills, so each example is checked for its own; in a list (layers of several kinds) every
    /// field must appear in at least one element.
    /// </summary>
    private static IEnumerable<string> MissingFields(JsonTypeInfo typeInfo, JsonNode? node, string path, string? notNested = null)
    {
        var version = node?["schemaVersion"]?.GetValue<int>();
        var notInVersion = version switch
        {
            RenderJob.CaptionSchemaVersion => "template fills",
            RenderJob.TemplateSchemaVersion => "text style fills",
            RenderJob.BatchTemplateSchemaVersion or RenderJob.ResizeSchemaVersion => "text style template",
            _ => "",
        };
        // A resize is only in a version-4 job's batch template (batch-template.json), at any depth of the others.
        notNested ??= version is RenderJob.CaptionSchemaVersion or RenderJob.TemplateSchemaVersion ? "resize" : "";
        foreach (var property in typeInfo.Properties.Where(p => p.AttributeProvider?.IsDefined(typeof(JsonIgnoreAttribute), inherit: true) != true))
        {
            if (notInVersion.Split(' ').Contains(property.Name) || notNested.Split(' ').Contains(property.Name))
            {
                continue;
            }

            var value = node?[property.Name];
            if (value is null)
            {
                yield return path + property.Name;
                continue;
            }

            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var nested = JobJson.Default.GetTypeInfo(type);
            if (nested?.Kind == JsonTypeInfoKind.Object)
            {
                foreach (var inner in MissingFields(nested, value, path + property.Name + ".", notNested))
                {
                    yield return inner;
                }
            }
            else if (nested?.Kind == JsonTypeInfoKind.Enumerable && type.IsGenericType
                     && JobJson.Default.GetTypeInfo(type.GetGenericArguments()[0]) is { Kind: JsonTypeInfoKind.Object } element)
            {
                var missingEverywhere = value.AsArray()
                    .Select(item => MissingFields(element, item, path + property.Name + "[].", notNested).ToHashSet())
                    .Aggregate((a, b) => [.. a.Intersect(b)]);
                foreach (var inner in missingEverywhere)
                {
                    yield return inner;
                }
            }
        }
    }

    private static JsonNode Load(string file) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "ImageJobs.Tests", "Unit", "Snapshots", file)))!;
}
