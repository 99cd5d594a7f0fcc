using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;

namespace ImageJobs.Producer.Templates;

/// <summary>
/// A template as a client writes it: the layers in the job contract's own shape (kind, name, box,
/// and the kind's fields), where a text layer's <c>text</c>, a code's <c>value</c> and a picture's
/// <c>imageName</c> may hold placeholders (<see cref="FieldPattern"/>), and how results are encoded.
/// </summary>
public sealed record TemplateDefinition
{
    public IReadOnlyList<JobLayer>? Layers { get; init; }

    public JobOutput? Output { get; init; }

    /// <summary>Each result's file name, with placeholders (<c>{id}-{last_name}.png</c>); unset, the job's index and the source's name.</summary>
    public string? OutputName { get; init; }
}

/// <summary>A create request: the new template's name and its first version.</summary>
public sealed record CreateTemplateRequest
{
    public string? Name { get; init; }

    public IReadOnlyList<JobLayer>? Layers { get; init; }

    public JobOutput? Output { get; init; }

    public string? OutputName { get; init; }

    public TemplateDefinition Definition => new() { Layers = Layers, Output = Output, OutputName = OutputName };
}

/// <summary>One saved version of a template: versions never change once saved.</summary>
public sealed record StoredTemplate(string Name, int Version, DateTimeOffset SavedAt, IReadOnlyList<JobLayer> Layers, JobOutput? Output, string? OutputName = null)
{
    public TemplateDefinition Definition => new() { Layers = Layers, Output = Output, OutputName = OutputName };
}

/// <summary>A template in a list: its newest version and when that was saved.</summary>
public sealed record TemplateSummary(string Name, int Version, DateTimeOffset SavedAt);
