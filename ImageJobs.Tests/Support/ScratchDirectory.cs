namespace ImageJobs.Tests.Support;

/// <summary>A fresh folder under /tmp, removed on dispose.</summary>
public sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory(string prefix = "imagejobs-test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that has not quite exited may still hold a file; /tmp is cleaned anyway.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
