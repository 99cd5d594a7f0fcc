using System.Globalization;
using ImageJobs.Producer.Batches;

namespace ImageJobs.Producer.Templates;

/// <summary>What a submission naming or carrying a layered template must hold, checked with the rest of the request before anything is read or published.</summary>
public static class LayeredBatchRules
{
    /// <summary>More columns than this in one row are refused (a template holds at most 64 layers).</summary>
    public const int MaxValuesPerRow = 200;

    public static bool IsLayered(SubmitBatchRequest request) => request.TemplateName is not null || request.InlineTemplate is not null;

    public static void Check(SubmitBatchRequest request, BatchLimits limits, Action<string, string> add)
    {
        var layered = IsLayered(request);
        if (request.TemplateName is not null && request.InlineTemplate is not null)
        {
            add("templateName", "Give a stored template's name or an inline template, not both.");
        }
        else if (request.TemplateName is not null && TemplateStore.NameProblem(request.TemplateName) is { } nameProblem)
        {
            add("templateName", $"The template name is refused: {nameProblem}.");
        }

        if (request.TemplateVersion is { } version && (request.TemplateName is null || version < 1))
        {
            add("templateVersion", "A version (1 or more) goes with a templateName.");
        }

        if (layered && request.Template is not null)
        {
            add("template", "A text template goes with no layered template: put the text in a text layer.");
        }

        if (layered && request.Style is not null)
        {
            add("style", "A layered template's layers carry their own styles.");
        }

        if (!layered && request.Resize is not null)
        {
            add("resize", "A resize goes with a layered template (templateName or inlineTemplate; a caption is one text layer).");
        }

        CheckMapping(request, layered, add);
        var items = request.Items ?? [];
        var rowErrors = 0;
        void AddRow(string field, string message)
        {
            add(field, message);
            rowErrors++;
        }

        for (var i = 0; i < items.Count && rowErrors < 50; i++)
        {
            if (items[i] is not { } item)
            {
                continue;
            }

            var at = string.Create(CultureInfo.InvariantCulture, $"items[{i}]");
            if (!layered && item.Values is not null)
            {
                AddRow($"{at}.values", "Values fill a layered template's placeholders: name a templateName or give an inlineTemplate.");
            }

            if (layered && item.Text is not null)
            {
                AddRow($"{at}.text", "A layered template's rows give values, not a text.");
            }

            if (layered && item.Style is not null)
            {
                AddRow($"{at}.style", "A layered template's layers carry their own styles.");
            }

            if (layered && item.Values is { } values && ValuesProblem(values, limits) is { } problem)
            {
                AddRow($"{at}.values", problem);
            }
        }
    }

    /// <summary>A prefix's mapping: each placeholder to one of the source's own fields (whether the template has the placeholder is checked against it, later).</summary>
    private static void CheckMapping(SubmitBatchRequest request, bool layered, Action<string, string> add)
    {
        if (request.Mapping is not { } mapping)
        {
            return;
        }

        if (!layered || request.Items is not null)
        {
            add("mapping", "A mapping binds a layered template's placeholders to the fields of each source under a prefix: give a prefix and a templateName or an inlineTemplate.");
            return;
        }

        if (mapping.Count > Batches.ManifestBinding.MaxMappings)
        {
            add("mapping", $"At most {Batches.ManifestBinding.MaxMappings} placeholders can be mapped.");
            return;
        }

        foreach (var (placeholder, field) in mapping)
        {
            if (field is null || !FieldPattern.IsBuiltIn(field) || field == "meta:" || field.Length > FieldPattern.MaxKeyLength)
            {
                var key = placeholder.Length <= FieldPattern.MaxKeyLength ? placeholder : placeholder[..FieldPattern.MaxKeyLength] + "...";
                add($"mapping.{key}", "A source under a prefix gives name, stem, index and meta:key (its metadata): map the placeholder to one of them.");
            }
        }
    }

    /// <summary>What is wrong with one row's values (too many, a bad name, a null or too long value), or null.</summary>
    public static string? ValuesProblem(IReadOnlyDictionary<string, string> values, BatchLimits limits)
    {
        if (values.Count > MaxValuesPerRow)
        {
            return $"At most {MaxValuesPerRow} columns per row.";
        }

        foreach (var (key, value) in values)
        {
            if (key.Length is 0 or > FieldPattern.MaxKeyLength)
            {
                return $"A column name is 1 to {FieldPattern.MaxKeyLength} characters.";
            }

            if (value is null)
            {
                return $"Column \"{key}\" has no value (give \"\" for an empty one).";
            }

            if (value.Length > limits.MaxTextLength)
            {
                return $"Column \"{key}\" is longer than {limits.MaxTextLength:N0} characters.";
            }
        }

        return null;
    }
}
