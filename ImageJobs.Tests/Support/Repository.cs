namespace ImageJobs.Tests.Support;

/// <summary>Paths into the repository and the build output the tests run from.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the configuration this test assembly was built in.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public static string AppHostScripts => Path.Combine(Root, "ImageJobs.AppHost", "Infrastructure", "scripts");

    public static string AppHostExecutable =>
        Path.Combine(Root, "ImageJobs.AppHost", "bin", Configuration, "net10.0", "ImageJobs.AppHost");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ImageJobs.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("ImageJobs.sln not found above " + AppContext.BaseDirectory);
    }
}
