using System.Globalization;

namespace ImageJobs.Rendering;

/// <summary>Collects style problems keyed by JSON field path; nested parts write under their prefix.</summary>
internal sealed class StyleErrors
{
    private readonly Dictionary<string, string> _errors;
    private readonly string _prefix;

    public StyleErrors()
        : this([], "")
    {
    }

    private StyleErrors(Dictionary<string, string> errors, string prefix)
    {
        _errors = errors;
        _prefix = prefix;
    }

    public StyleErrors Under(string field) => new(_errors, _prefix + field + ".");

    public void Add(string field, string message) => _errors.TryAdd(_prefix + field, message);

    public void Range(string field, double? value, double min, double max, bool minExclusive = false)
    {
        if (value is not { } v)
        {
            return;
        }

        if (double.IsNaN(v) || v > max || v < min || (minExclusive && v <= min))
        {
            var low = min.ToString(CultureInfo.InvariantCulture);
            var high = max.ToString(CultureInfo.InvariantCulture);
            Add(field, minExclusive ? $"must be greater than {low} and at most {high}" : $"must be between {low} and {high}");
        }
    }

    public void Color(string field, string? value)
    {
        if (value is not null && !ColorParser.TryParse(value, out _))
        {
            Add(field, "must be #RRGGBB or #RRGGBBAA");
        }
    }

    /// <summary>A number that is not one of the enum's names (JSON allows numbers for enums).</summary>
    public void Defined<TEnum>(string field, TEnum? value)
        where TEnum : struct, Enum
    {
        if (value is { } v && !Enum.IsDefined(v))
        {
            Add(field, "must be one of " + string.Join(", ", Enum.GetNames<TEnum>()));
        }
    }

    public IReadOnlyDictionary<string, string> ToDictionary() => _errors;
}
