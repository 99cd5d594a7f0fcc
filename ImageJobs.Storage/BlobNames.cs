namespace ImageJobs.Storage;

/// <summary>
/// The one check of a blob name that comes from outside (a request, a manifest row, a template, a
/// column, a job message), before it is used. The blob client builds a URI from the name, and a
/// URI collapses <c>..</c> and <c>.</c> segments: "../results/x" in the sources container is the
/// results container's "x". So a name is accepted only as plain relative path segments.
/// </summary>
public static class BlobNames
{
    /// <summary>Azure's limit on a blob name.</summary>
    public const int MaxLength = 1024;

    /// <summary>Why <paramref name="name"/> is not a plain relative blob name, or null when it is.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "the name is empty";
        }

        if (name.Length > MaxLength)
        {
            return $"the name is longer than {MaxLength} characters";
        }

        if (HasControlCharacter(name) || name.Contains('\\'))
        {
            return "the name holds a control character or '\\'";
        }

        if (name.StartsWith('/') || HasDotOrEmptySegment(name))
        {
            return "the name is not a plain relative path (leading '/', an empty, '.' or '..' segment)";
        }

        return null;
    }

    /// <summary>
    /// Why a listing prefix is not acceptable, or null: empty, or plain relative segments (the
    /// last may be partial, as in "photos/2024-"), never climbing out.
    /// </summary>
    public static string? PrefixProblem(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            return null;
        }

        return Problem(prefix.EndsWith('/') ? prefix[..^1] : prefix);
    }

    /// <summary>Whether <paramref name="name"/> is a valid name lying under the folder <paramref name="folder"/> (one plain segment).</summary>
    public static bool IsUnder(string? name, string? folder) =>
        Problem(name) is null && Problem(folder) is null && !folder!.Contains('/')
        && name!.Length > folder.Length + 1 && name.StartsWith(folder, StringComparison.Ordinal) && name[folder.Length] == '/';

    /// <summary>Whether the text holds a control character (C0, DEL or C1), as char.IsControl has them.</summary>
    public static bool HasControlCharacter(string text) =>
        text.AsSpan().IndexOfAnyInRange('\u0000', '\u001f') >= 0 || text.AsSpan().IndexOfAnyInRange('\u007f', '\u009f') >= 0;

    private static bool HasDotOrEmptySegment(string name)
    {
        foreach (var segment in name.AsSpan().Split('/'))
        {
            if (name.AsSpan()[segment] is "" or "." or "..")
            {
                return true;
            }
        }

        return false;
    }
}
