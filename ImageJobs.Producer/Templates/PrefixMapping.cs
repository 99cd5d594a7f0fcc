using ImageJobs.Producer.Batches;

namespace ImageJobs.Producer.Templates;

/// <summary>
/// A prefix batch's rows for a layered template (pure): each source's metadata as <c>meta:key</c>
/// columns, and each mapped placeholder filled from one of the source's own fields (<c>name</c>,
/// <c>stem</c>, <c>index</c>, <c>meta:key</c>: <c>{"graduate": "stem"}</c>), so a template made for
/// a manifest's columns runs on a folder of images too. Unmapped placeholders that are not the
/// source's own are missing columns, reported per row as a manifest's are.
/// </summary>
public sealed class PrefixMapping
{
    private readonly KeyValuePair<string, string>[] _fields;
    private readonly bool _copiesMetadata;

    private PrefixMapping(KeyValuePair<string, string>[] fields, bool copiesMetadata)
    {
        _fields = fields;
        _copiesMetadata = copiesMetadata;
    }

    /// <summary>Whether a listing must ask for each blob's metadata.</summary>
    public bool UsesMetadata => _copiesMetadata || _fields.Any(f => f.Value.StartsWith("meta:", StringComparison.Ordinal));

    /// <summary>The plan's rows under <paramref name="mapping"/> (checked field by field with the request: <see cref="LayeredBatchRules"/>).</summary>
    /// <exception cref="BatchRejectedException">The mapping names a placeholder the template lacks (<c>mapping.price</c>).</exception>
    public static PrefixMapping For(TemplatePlan plan, IReadOnlyDictionary<string, string>? mapping)
    {
        if (mapping is not null && new ManifestBinding(plan.Placeholders, mapping).Problems() is { Count: > 0 } problems)
        {
            throw new BatchRejectedException(problems);
        }

        return new PrefixMapping([.. mapping ?? new Dictionary<string, string>()], plan.UsesMetadata);
    }

    /// <summary>One source's row: null when it has no column at all (the template reads only the source's name, stem and index).</summary>
    public Dictionary<string, string>? Values(string source, int index, IDictionary<string, string>? metadata)
    {
        var meta = UsesMetadata && metadata is not null ? metadata.ToDictionary(m => "meta:" + m.Key, m => m.Value, StringComparer.Ordinal) : null;
        if (_fields.Length == 0)
        {
            return _copiesMetadata ? meta ?? [] : null;
        }

        var own = new TemplateRow(source, index, meta);
        var values = _copiesMetadata ? meta ?? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (placeholder, field) in _fields)
        {
            values[placeholder] = own.Value(field) ?? "";
        }

        return values;
    }
}
