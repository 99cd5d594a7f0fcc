using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ImageJobs.Contracts;
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
        var typeInfo = message == nameof(RenderJob) ? (JsonTypeInfo)JobJson.Default.RenderJob : JobJson.Default.JobOutcome;

        var missing = MissingFields(typeInfo, Load(file), "").ToList();

        // A new field must be added to the example (and thought about: see the Contracts README).
        Assert.True(missing.Count == 0, $"{file} lacks: {string.Join(", ", missing)}");
    }

    [Fact]
    public void The_version_each_example_names_is_the_current_one()
    {
        Assert.Equal(RenderJob.CurrentSchemaVersion, Load("render-job.v1.json")["schemaVersion"]!.GetValue<int>());
        Assert.Equal(JobOutcome.CurrentSchemaVersion, Load("job-outcome.v1.json")["schemaVersion"]!.GetValue<int>());
    }

    private static IEnumerable<string> MissingFields(JsonTypeInfo typeInfo, JsonNode? node, string path)
    {
        foreach (var property in typeInfo.Properties.Where(p => p.AttributeProvider?.IsDefined(typeof(JsonIgnoreAttribute), inherit: true) != true))
        {
            var value = node?[property.Name];
            if (value is null)
            {
                yield return path + property.Name;
                continue;
            }

            var nested = JobJson.Default.GetTypeInfo(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType);
            if (nested?.Kind == JsonTypeInfoKind.Object)
            {
                foreach (var inner in MissingFields(nested, value, path + property.Name + "."))
                {
                    yield return inner;
                }
            }
        }
    }

    private static JsonNode Load(string file) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "ImageJobs.Tests", "Unit", "Snapshots", file)))!;
}
