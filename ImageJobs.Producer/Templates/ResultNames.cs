using ImageJobs.Storage;

namespace ImageJobs.Producer.Templates;

/// <summary>
/// A result's file name from an output name pattern (<c>{id}-{last_name}.png</c>), checked before
/// anything is published: it becomes one segment under the batch's folder, is downloaded as a file
/// on any system, and gets its format's extension from the worker.
/// </summary>
public static class ResultNames
{
    public const int MaxLength = 200;

    /// <summary>Why the name cannot be a result's file name, or null.</summary>
    public static string? Problem(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "is empty";
        }

        if (name.Length > MaxLength)
        {
            return $"is longer than {MaxLength} characters";
        }

        if (BlobNames.HasControlCharacter(name))
        {
            return "holds a control character";
        }

        if (name.AsSpan().IndexOfAny('/', '\\') >= 0 || name is "." or "..")
        {
            return "is not one file name (it holds '/' or '\\', or is '.' or '..')";
        }

        return null;
    }

    /// <summary>
    /// What two result names must not share: the name without its extension (the worker gives each
    /// result its format's), compared as a case-insensitive file system would.
    /// </summary>
    public static string CollisionKey(string name)
    {
        var dot = name.LastIndexOf('.');
        return (dot > 0 ? name[..dot] : name).ToUpperInvariant();
    }
}
