using System.Globalization;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;
using ImageJobs.Producer.Fonts;
using ImageJobs.Rendering.Templates;
using ImageJobs.Rendering.Text;
using ImageJobs.Storage;

namespace ImageJobs.Producer.Templates;

/// <summary>
/// A template checked once and ready to be filled row by row: every value that holds no placeholder
/// is validated here, by path (<c>layers[2].box.width</c>); what a placeholder fills in (a text, a
/// code's value, a picture's name) is validated per row, on the row's own values, by
/// <see cref="Resolve"/>. Pure: no I/O.
/// </summary>
public sealed class TemplatePlan
{
    private readonly Template _template;

    // The template as the batch stores it, mapped once.
    private readonly JobTemplate _contract;
    private readonly int _maxTextLength;

    // The fields with placeholders: their layer, pattern, and path (as Template.Validate names it).
    private readonly (int Layer, FieldPattern Pattern, string Path)[] _fields;
    private readonly string[] _columns;
    private readonly FieldPattern? _outputName;


    private TemplatePlan(Template template, (int Layer, FieldPattern Pattern, string Path)[] fields, FieldPattern? outputName, int maxTextLength, string? name, int? version,
        FontCatalogue catalogue)
    {
        _template = template;
        // The uploaded faces of the families the template names (literally: a filled value is escaped, so it names none).
        var fonts = catalogue.FacesOf(template.FontFamilies().Select(f => f.Family));
        _contract = template.ToContract(name, version) with { Fonts = fonts.Count > 0 ? fonts : null };
        _outputName = outputName;
        _fields = fields;
        _maxTextLength = maxTextLength;
        Name = name;
        Version = version;
        var keys = fields.SelectMany(f => f.Pattern.Keys).Concat(outputName?.Keys ?? []).ToList();
        Placeholders = [.. keys.Distinct(StringComparer.Ordinal)];
        _columns = [.. Placeholders.Where(k => !FieldPattern.IsBuiltIn(k))];
        UsesMetadata = keys.Any(k => k.StartsWith("meta:", StringComparison.Ordinal));
    }

    /// <summary>The stored template's name and version it came from; null for an inline template.</summary>
    public string? Name { get; }

    public int? Version { get; }

    /// <summary>The manifest columns the placeholders name (not counting the source's {name}, {stem}, {index}, {meta:key}).</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>Every key a placeholder names, the source's built-in ones included (a manifest column of that name wins over them).</summary>
    public IReadOnlyList<string> Placeholders { get; }

    /// <summary>Whether a placeholder reads the source's metadata, so a prefix listing asks for it only then.</summary>
    public bool UsesMetadata { get; }

    /// <summary>Whether each result is named by the template's or the batch's output name pattern.</summary>
    public bool NamesResults => _outputName is not null;

    /// <summary>Whether the results are resized (the template's or the batch's <c>output.resize</c>): its jobs are then written as schema version 4.</summary>
    public bool Resizes => _template.Output?.Resize is not null;

    /// <summary>The job schema version of this plan's jobs: 4 when they resize (a worker that reads only up to 3 refuses them instead of drawing them full size), else 3.</summary>
    public int SchemaVersion => Resizes ? RenderJob.ResizeSchemaVersion : RenderJob.BatchTemplateSchemaVersion;

    /// <summary>
    /// The plan, or null with every problem keyed by path (<c>layers</c>, <c>layers[2].fit</c>,
    /// <c>output.quality</c>, <c>outputName</c>, <c>resize.width</c>); <paramref name="outputName"/> and <paramref name="resize"/>
    /// (a batch's) win over the template's.
    /// </summary>
    /// <param name="fonts">The uploaded faces a template may name (null: bundled families only).</param>
    public static TemplatePlan? TryCompile(TemplateDefinition definition, int maxTextLength, out Dictionary<string, string> errors, string? name = null, int? version = null,
        string? outputName = null, FontCatalogue? fonts = null, JobResize? resize = null)
    {
        if (resize is not null)
        {
            definition = definition with { Output = (definition.Output ?? new JobOutput()) with { Resize = resize } };
        }

        fonts ??= FontCatalogue.Empty;
        errors = new Dictionary<string, string>(StringComparer.Ordinal);
        FieldPattern? output = null;
        if ((outputName ?? definition.OutputName) is { } namePattern)
        {
            output = FieldPattern.TryParse(namePattern, out var outputError);
            var literalProblem = output is { HasPlaceholders: false } ? ResultNames.Problem(output.Fill(new TemplateRow("", 0, null))) : null;
            if (output is null || literalProblem is not null)
            {
                errors["outputName"] = outputError ?? $"'{Truncate(namePattern)}' {literalProblem}";
            }
        }

        if (definition.Layers is not { Count: > 0 } wireLayers)
        {
            errors["layers"] = "must hold at least one layer";
            return null;
        }

        if (wireLayers.Count > Template.MaxLayers)
        {
            errors["layers"] = string.Create(CultureInfo.InvariantCulture, $"holds {wireLayers.Count} layers, more than {Template.MaxLayers}");
            return null;
        }

        for (var i = 0; i < wireLayers.Count; i++)
        {
            if (wireLayers[i] is null)
            {
                errors[string.Create(CultureInfo.InvariantCulture, $"layers[{i}]")] = "is empty";
            }
        }

        Template template = new();
        try
        {
            if (errors.Count == 0)
            {
                template = new JobTemplate(wireLayers, definition.Output).ToTemplate();
            }
        }
        catch (JobFailedException ex)
        {
            // The mapping names the one bad kind or enum by its path, first: "layers[2].fit 'x' is not one of: ...".
            var end = ex.Message.IndexOfAny([' ', ':']);
            errors[end > 0 ? ex.Message[..end] : "layers"] = end > 0 ? ex.Message[end..].TrimStart(' ', ':') : ex.Message;
        }

        if (errors.Count > 0)
        {
            return null;
        }

        var layers = template.Layers.ToArray();
        var fields = new List<(int Layer, FieldPattern Pattern, string Path)>();
        for (var i = 0; i < layers.Length; i++)
        {
            var (field, text) = Field(layers[i]);
            if (field is null)
            {
                continue;
            }

            var path = string.Create(CultureInfo.InvariantCulture, $"layers[{i}].{field}");
            if (FieldPattern.TryParse(text ?? "", out var patternError) is not { } pattern)
            {
                errors[path] = patternError!;
            }
            else if (pattern.HasPlaceholders)
            {
                fields.Add((i, pattern, path));
            }
            else
            {
                // The literal braces ({{, }}) unescaped: what is drawn.
                layers[i] = WithField(layers[i], pattern.Fill(new TemplateRow("", 0, null)));
            }
        }

        template = template with { Layers = layers };
        var placeholderPaths = fields.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var (path, problem) in template.Validate(maxTextLength))
        {
            if (!placeholderPaths.Contains(path))
            {
                // A batch's resize is its own field, not the template's.
                errors.TryAdd(resize is not null && path.StartsWith("output.resize.", StringComparison.Ordinal) ? path["output.".Length..] : path, problem);
            }
        }

        foreach (var (i, layer) in layers.Index())
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"layers[{i}].imageName");
            if (layer is ImageLayer { ImageName: { Length: > 0 } picture } && !placeholderPaths.Contains(path) && BlobNames.Problem(picture) is { } refused)
            {
                errors.TryAdd(path, $"is refused: {refused}");
            }
        }

        // Jobs carry the faces of the families named here, so a family may not come from a column.
        foreach (var (path, family) in template.FontFamilies())
        {
            if ((family.Contains('{', StringComparison.Ordinal) ? "a font family cannot be filled from a column: name it in the template" : fonts.Problem(family)) is { } missing)
            {
                errors.TryAdd(path, missing);
            }
        }

        return errors.Count > 0 ? null : new TemplatePlan(template, [.. fields], output, maxTextLength, name, version, fonts);
    }

    /// <summary>
    /// The template filled with one row's values, or null with the row's problems added to
    /// <paramref name="problems"/> (<c>column "price" is missing</c>, <c>layers[4].value: ...</c>).
    /// </summary>
    public Template? Resolve(TemplateRow row, ICollection<string> problems)
    {
        var before = problems.Count;
        foreach (var column in _columns)
        {
            if (row.Value(column) is null)
            {
                problems.Add($"column \"{column}\" is missing");
            }
        }

        if (problems.Count > before)
        {
            return null;
        }

        if (_fields.Length == 0)
        {
            return _template;
        }

        // Only the filled values can be wrong: the rest of the template was checked once, by TryCompile.
        var layers = _template.Layers.ToArray();
        foreach (var (i, pattern, path) in _fields)
        {
            var markup = layers[i] is TextLayer { Markup: true };
            layers[i] = WithField(layers[i], pattern.Fill(row, markup ? RichText.Escape : null));
            if (Template.ValueProblem(layers[i], _maxTextLength) is var (_, problem))
            {
                problems.Add($"{path}: {problem}");
            }
            else if (layers[i] is ImageLayer image && BlobNames.Problem(image.ImageName) is { } refused)
            {
                problems.Add($"{path}: the picture name '{Truncate(image.ImageName)}' is refused: {refused}");
            }
        }

        return problems.Count > before ? null : _template with { Layers = layers };
    }

    /// <summary>The row's result file name from the output name pattern, or null with its problem added (checked as <see cref="ResultNames.Problem"/>).</summary>
    public string? ResultName(TemplateRow row, ICollection<string> problems)
    {
        var name = _outputName!.Fill(row);
        if (ResultNames.Problem(name) is { } problem)
        {
            problems.Add($"outputName: '{Truncate(name)}' {problem}");
            return null;
        }

        return name;
    }

    /// <summary>
    /// The template as its batch stores it for the workers (job schema version 3), with the stored
    /// name and version it came from: checked, its placeholders not filled.
    /// </summary>
    public JobTemplate Contract => _contract;

    /// <summary>What a job carries of a template this plan resolved: the value of each field a placeholder filled.</summary>
    public IReadOnlyList<JobFill> Fills(Template resolved) =>
        [.. _fields.Select(f => new JobFill(f.Layer, JobTemplateMapping.FilledValue(resolved.Layers[f.Layer])!))];

    private static (string? Field, string? Text) Field(Layer layer) => (layer switch
    {
        TextLayer => "text",
        CodeLayer => "value",
        ImageLayer => "imageName",
        _ => null,
    }, JobTemplateMapping.FilledValue(layer));

    private static Layer WithField(Layer layer, string value) => layer switch
    {
        TextLayer text => text with { Text = value },
        CodeLayer code => code with { Value = value },
        ImageLayer image => image with { ImageName = value },
        _ => layer,
    };

    private static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "...";
}
