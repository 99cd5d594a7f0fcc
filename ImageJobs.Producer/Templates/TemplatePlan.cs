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
/// <see cref="Fill(TemplateRow, ICollection{string})"/>. Pure: no I/O.
/// </summary>
public sealed partial class TemplatePlan
{
    private readonly Template _template;

    // The template as the batch stores it, mapped once.
    private readonly JobTemplate _contract;
    private readonly int _maxTextLength;

    // The fields with placeholders: their layer, pattern, path (as Template.Validate names it), and
    // whether the markup around the placeholders was checked once (see MarkupHoldsValues).
    private readonly (int Layer, FieldPattern Pattern, string Path, bool MarkupChecked)[] _fields;
    private readonly string[] _literalPictures;
    private readonly string[] _columns;
    private readonly FieldPattern? _outputName;

    private TemplatePlan(Template template, (int Layer, FieldPattern Pattern, string Path, bool MarkupChecked)[] fields, FieldPattern? outputName, int maxTextLength, string? name, int? version,
        FontCatalogue catalogue)
    {
        _template = template;
        // The uploaded faces of the families the template names (literally: a filled value is escaped, so it names none).
        var fonts = catalogue.FacesOf(template.FontFamilies().Select(f => f.Family));
        _contract = template.ToContract(name, version) with { Fonts = fonts.Count > 0 ? fonts : null };
        _outputName = outputName;
        _fields = fields;
        _literalPictures = [.. template.Layers.Index()
            .Where(l => l.Item is ImageLayer && !fields.Any(f => f.Layer == l.Index))
            .Select(l => ((ImageLayer)l.Item).ImageName)];
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
    /// What one row puts into the template (the value of each field a placeholder fills), or null
    /// with the row's problems added to <paramref name="problems"/> (<c>column "price" is missing</c>,
    /// <c>layers[4].value: ...</c>). Only the filled values can be wrong: the rest of the template was
    /// checked once, by <see cref="TryCompile"/>.
    /// </summary>
    public IReadOnlyList<JobFill>? Fill(TemplateRow row, ICollection<string> problems)
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

        var fills = new JobFill[_fields.Length];
        for (var k = 0; k < _fields.Length; k++)
        {
            var (i, pattern, path, markupChecked) = _fields[k];
            var layer = _template.Layers[i];
            var value = pattern.Fill(row, layer is TextLayer { Markup: true } ? RichText.Escape : null);
            if (Template.ValueProblem(WithField(layer, value), _maxTextLength, parseMarkup: !markupChecked) is var (_, problem))
            {
                problems.Add($"{path}: {problem}");
            }
            else if (layer is ImageLayer && BlobNames.Problem(value) is { } refused)
            {
                problems.Add($"{path}: the picture name '{Truncate(value)}' is refused: {refused}");
            }

            fills[k] = new JobFill(i, value);
        }

        return problems.Count > before ? null : fills;
    }

    /// <summary>The template filled with one row's values, or null with the row's problems (as <see cref="Fill(TemplateRow, ICollection{string})"/>).</summary>
    public Template? Resolve(TemplateRow row, ICollection<string> problems)
    {
        var fills = Fill(row, problems);
        if (fills is not { Count: > 0 })
        {
            return fills is null ? null : _template;
        }

        var layers = _template.Layers.ToArray();
        foreach (var fill in fills)
        {
            layers[fill.Layer] = WithField(layers[fill.Layer], fill.Value);
        }

        return _template with { Layers = layers };
    }

    /// <summary>The pictures a row's job draws: the template's own and those its values name.</summary>
    public IEnumerable<string> Pictures(IReadOnlyList<JobFill> fills) =>
        _literalPictures.Concat(fills.Where(f => _template.Layers[f.Layer] is ImageLayer).Select(f => f.Value));

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

    /// <summary>The template as its batch stores it for the workers (job schema version 3), with its stored name and version: checked, not filled.</summary>
    public JobTemplate Contract => _contract;

    private static Layer WithField(Layer layer, string value) => layer switch
    {
        TextLayer text => text with { Text = value },
        CodeLayer code => code with { Value = value },
        ImageLayer image => image with { ImageName = value },
        _ => layer,
    };

    private static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "...";
}
