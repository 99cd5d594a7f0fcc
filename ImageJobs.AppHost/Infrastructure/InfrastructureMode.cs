using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImageJobs.AppHost.Infrastructure;

/// <summary>How the broker and the blob store run.</summary>
public enum InfrastructureKind
{
    /// <summary>Containers (Docker or Podman), and always in publish mode.</summary>
    Containers,

    /// <summary>Debian's rabbitmq-server and npm's azurite as local processes on 127.0.0.1.</summary>
    LocalProcesses,
}

public sealed record InfrastructureMode(InfrastructureKind Kind, string Reason);

public static partial class InfrastructureModeExtensions
{
    /// <summary>Configuration switch: Auto (default), Containers or LocalProcesses.</summary>
    public const string ModeKey = "Infrastructure:Mode";

    /// <summary>
    /// Containers where a container runtime answers, local processes where none does
    /// (a model holding a container with no healthy runtime never starts). Logged at start.
    /// </summary>
    public static InfrastructureMode ChooseInfrastructureMode(this IDistributedApplicationBuilder builder)
    {
        var mode = Choose(builder);
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ImageJobs.AppHost");
            LogMode(logger, mode.Kind, mode.Reason);
            return Task.CompletedTask;
        });
        return mode;
    }

    private static InfrastructureMode Choose(IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return new(InfrastructureKind.Containers, "publish mode deploys containers");
        }

        var setting = builder.Configuration[ModeKey];
        if (!string.IsNullOrWhiteSpace(setting) && !setting.Equals("Auto", StringComparison.OrdinalIgnoreCase))
        {
            return Enum.TryParse<InfrastructureKind>(setting, ignoreCase: true, out var kind)
                ? new(kind, $"set by {ModeKey}={setting}")
                : throw new InvalidOperationException($"{ModeKey} must be Auto, Containers or LocalProcesses, not '{setting}'.");
        }

        var runtime = builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker";
        return ProbeContainerRuntime(runtime) is { } problem
            ? new(InfrastructureKind.LocalProcesses, $"no healthy container runtime ({runtime}: {problem})")
            : new(InfrastructureKind.Containers, $"container runtime {runtime} is healthy");
    }

    /// <summary>Null when the runtime's daemon answers; otherwise what went wrong.</summary>
    private static string? ProbeContainerRuntime(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return "could not start";
            }

            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return "no answer within 10 s";
            }

            return process.ExitCode == 0 ? null : FirstLine(stderr.Result) ?? $"exit code {process.ExitCode}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not installed";
        }
    }

    private static string? FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();

    [LoggerMessage(Level = LogLevel.Information, Message = "Infrastructure runs as {Mode}: {Reason}")]
    private static partial void LogMode(ILogger logger, InfrastructureKind mode, string reason);
}
