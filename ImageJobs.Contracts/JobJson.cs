using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageJobs.Contracts;

/// <summary>The one JSON shape of our messages: camelCase, enums as strings, no nulls written.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RenderJob))]
[JsonSerializable(typeof(JobOutcome))]
[JsonSerializable(typeof(BatchControl))]
[JsonSerializable(typeof(ImageJobs.Contracts.Templates.JobTemplate))]
public sealed partial class JobJson : JsonSerializerContext;
