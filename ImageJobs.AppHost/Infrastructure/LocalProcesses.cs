using Microsoft.Extensions.Configuration;

namespace ImageJobs.AppHost.Infrastructure;

/// <summary>Where local infrastructure keeps its data and scripts, and which ports it takes.</summary>
internal static class LocalProcesses
{
    public const string DataDirectoryKey = "LocalInfrastructure:DataDirectory";

    public static string DataDirectory(IDistributedApplicationBuilder builder, string resourceName)
    {
        var root = builder.Configuration[DataDirectoryKey] is { Length: > 0 } configured
            ? configured
            : Path.Combine(builder.AppHostDirectory, ".local-infra");
        var directory = Path.GetFullPath(Path.Combine(root, resourceName));
        Directory.CreateDirectory(directory);
        return directory;
    }

    /// <summary>Runs every local process under supervise.sh, so none outlives the AppHost.</summary>
    public static string Script(IDistributedApplicationBuilder builder, string name) =>
        Path.Combine(builder.AppHostDirectory, "Infrastructure", "scripts", name);

    /// <summary>The configured port, or a free loopback port when it is 0 or unset.</summary>
    public static int Port(IDistributedApplicationBuilder builder, string key)
    {
        var configured = builder.Configuration.GetValue<int?>(key);
        if (configured is > 0)
        {
            return configured.Value;
        }

        return LoopbackPorts.Next();
    }

    /// <summary>The full path of a program given by its full path or found on PATH; null if it is not there.</summary>
    public static string? FindOnPath(string program) => Path.IsPathRooted(program)
        ? (File.Exists(program) ? program : null)
        : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
