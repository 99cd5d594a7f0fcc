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

                CheckBlobName($"items[{i}].source", item.Source, limits, Add);
                CheckText($"items[{i}].text", item.Text, limits, Add);
                CheckStyle($"items[{i}].style", item.Style, Add);
            }
        }
        else if (hasPrefix)
        {
            if (request.Prefix is { Length: > 0 } prefix && prefix.Length > limits.MaxBlobNameLength)
            {
                Add("prefix", $"The prefix is longer than {limits.MaxBlobNameLength} characters.");
            }

            CheckText("template", request.Template, limits, Add);
        }

        CheckStyle("style", request.Style, Add);
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    private static void CheckBlobName(string field, string? name, BatchLimits limits, Action<string, string> add)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            add(field, "The source blob name is required.");
        }
        else if (name.Length > limits.MaxBlobNameLength)
        {
            add(field, $"The source blob name is longer than {limits.MaxBlobNameLength} characters.");
        }
        else if (name.EndsWith('/') || name.Contains('\\') || name.Any(char.IsControl))
        {
            add(field, "The source blob name must not end with '/' or hold '\\' or control characters.");
        }
    }

    private static void CheckText(string field, string? text, BatchLimits limits, Action<string, string> add)
    {
        if (text is null)
        {
            add(field, "The text is required (it may be empty).");
        }
        else if (text.Length > limits.MaxTextLength)
        {
            add(field, $"The text is longer than {limits.MaxTextLength:N0} characters.");
        }
    }

    private static void CheckStyle(string field, Worker.Rendering.TextStyle? style, Action<string, string> add)
    {
        if (style is null)
        {
            return;
        }

        foreach (var (property, message) in style.Validate())
        {
            add($"{field}.{property}", message);
        }
    }
}
