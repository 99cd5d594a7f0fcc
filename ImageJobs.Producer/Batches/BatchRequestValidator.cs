using ImageJobs.Contracts;
using ImageJobs.Producer.Templates;
using ImageJobs.Rendering;
using ImageJobs.Storage;

namespace ImageJobs.Producer.Batches;

/// <summary>Checks a submission before anything is published; errors are keyed by the JSON field path.</summary>
public static class BatchRequestValidator
{
    public static Dictionary<string, string[]> Validate(SubmitBatchRequest request, BatchLimits limits)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        // A layered batch's rows give values, not texts and styles: LayeredBatchRules checks those.
        var layered = LayeredBatchRules.IsLayered(request);
        var hasItems = request.Items is not null;
        var hasPrefix = request.Prefix is not null || request.Template is not null;
        if (hasItems == hasPrefix)
        {
            Add("items", "Give either items, or a prefix with a template, but not both.");
        }

        if (request.Items is { } items)
        {
            if (items.Count == 0)
            {
                Add("items", "At least one item is required.");
            }
            else if (items.Count > limits.MaxJobsPerBatch)
            {
                Add("items", $"At most {limits.MaxJobsPerBatch:N0} items per batch.");
            }

            for (var i = 0; i < items.Count && errors.Count < 50; i++)
            {
                var item = items[i];
                if (item is null)
                {
                    Add($"items[{i}]", "The item is null.");
                    continue;
                }

                // Field names are built only for errors: a valid 40,000-item batch allocates none.
                if (BlobNameError(item.Source, limits) is { } sourceError)
                {
                    Add($"items[{i}].source", sourceError);
                }

                if (!layered && TextError(item.Text, limits) is { } textError)
                {
                    Add($"items[{i}].text", textError);
                }

                if (!layered && item.Style is not null)
                {
                    CheckStyle($"items[{i}].style", item.Style, Add);
                }
            }
        }
        else if (hasPrefix)
        {
            if (request.Prefix is { Length: > 0 } prefix && prefix.Length > limits.MaxBlobNameLength)
            {
                Add("prefix", $"The prefix is longer than {limits.MaxBlobNameLength} characters.");
            }
            else if (BlobNames.PrefixProblem(request.Prefix) is { } prefixProblem)
            {
                Add("prefix", $"The prefix is refused: {prefixProblem}.");
            }

            if (!layered && TextError(request.Template, limits) is { } templateError)
            {
                Add("template", templateError);
            }
        }

        CheckStyle("style", request.Style, Add);
        LayeredBatchRules.Check(request, limits, Add);
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    private static string? BlobNameError(string? name, BatchLimits limits) => name switch
    {
        _ when string.IsNullOrWhiteSpace(name) => "The source blob name is required.",
        { Length: var length } when length > limits.MaxBlobNameLength => $"The source blob name is longer than {limits.MaxBlobNameLength} characters.",
        _ when BlobNames.Problem(name) is { } problem => $"The source blob name is refused: {problem}.",
        _ => null,
    };

    private static string? TextError(string? text, BatchLimits limits) => text switch
    {
        null => "The text is required (it may be empty).",
        { Length: var length } when length > limits.MaxTextLength => $"The text is longer than {limits.MaxTextLength:N0} characters.",
        _ => null,
    };

    private static void CheckStyle(string field, TextStyle? style, Action<string, string> add)
    {
        if (style is null)
        {
            return;
        }

        foreach (var (property, message) in style.Validate())
        {
            add($"{field}.{property}", message);
        }

        // A caption job is schema version 1, which workers from before resizing read and would draw full size.
        if (style.Output?.Resize is not null)
        {
            add($"{field}.output.resize", "a resize goes with a layered template (templateName or inlineTemplate, whose output.resize it is; a caption is one text layer)");
        }

        // A caption job carries no fonts (uploaded families are for a template's text layers, whose jobs
        // carry their faces): any other family would fail every job in the worker, so it is refused here, with the worker's code.
        if (style.FontFamily is { } family && UploadedFonts.FamilyProblem(family) is null && !FontLibrary.IsBundled(family))
        {
            add($"{field}.fontFamily", $"{ErrorCodes.FontMissing}: the font family '{(family.Length > 60 ? family[..60] + "..." : family)}' is not bundled: "
                + $"a caption draws with {FontLibrary.SansFamily} or {FontLibrary.SerifFamily} (an uploaded family is for a template's text layers)");
        }
    }
}
