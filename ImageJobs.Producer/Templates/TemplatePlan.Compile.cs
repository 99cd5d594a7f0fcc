using System.Globalization;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Styles;
using ImageJobs.Contracts.Templates;
using ImageJobs.Producer.Fonts;
using ImageJobs.Rendering.Templates;
using ImageJobs.Rendering.Text;
using ImageJobs.Storage;

namespace ImageJobs.Producer.Templates;

/// <summary>A template's checks made once, before any row: <see cref="TryCompile"/>.</summary>
public sealed partial class TemplatePlan
{
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

        foreach (var i in Enumerable.Range(0, wireLayers.Count).Where(i => wireLayers[i] is null))
        {
            errors[string.Create(CultureInfo.InvariantCulture, $"layers[{i}]")] = "is empty";
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
        var fields = new List<(int Layer, FieldPattern Pattern, string Path, bool MarkupChecked)>();
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
                fields.Add((i, pattern, path, layers[i] is TextLayer { Markup: true } && MarkupHoldsValues(pattern)));
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

    private static (string? Field, string? Text) Field(Layer layer) => (layer switch
    {
        TextLayer => "text",
        CodeLayer => "value",
        ImageLayer => "imageName",
        _ => null,
    }, JobTemplateMapping.FilledValue(layer));

    /// <summary>
    /// Whether every placeholder of a markup text lies in its text, not inside a tag: then a filled
    /// value (escaped, so it opens no tag) cannot change whether the markup parses, and the pattern is
    /// parsed once here instead of once a row. Checked by filling each placeholder with a character no
    /// markup uses and finding every one of them in the parsed text.
    /// </summary>
    private static bool MarkupHoldsValues(FieldPattern pattern)
    {
        const char Probe = '\uE000';
        var probes = new TemplateRow("", 0, pattern.Keys.Distinct(StringComparer.Ordinal).ToDictionary(k => k, _ => Probe.ToString(), StringComparer.Ordinal));
        var markup = pattern.Fill(probes);
        return markup.Count(c => c == Probe) == pattern.Keys.Count
            && RichText.TryParse(markup, out _) is { } parsed
            && parsed.Text.Count(c => c == Probe) == pattern.Keys.Count;
    }
}
