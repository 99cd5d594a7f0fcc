using System.ComponentModel.DataAnnotations;
using System.Globalization;
using ImageJobs.Messaging;
using Microsoft.Extensions.Configuration;

namespace ImageJobs.AppHost;

/// <summary>
/// The settings several services must agree on, declared once: in the AppHost's configuration
/// (appsettings.json, the command line, user secrets) under the names the services read. Each one
/// set there is handed to every service that reads it, as environment; one not set is left to the
/// services' shared default (the same options class on every side). The rule that spans services,
/// the producer's lost-job quiet period against the workers' job timeout and heartbeat, is checked
/// here, where both are known; each service validates its own values again at start.
/// </summary>
public sealed class SharedSettings
{
    /// <summary>Read by the producer and by every worker.</summary>
    public static readonly string[] ProducerAndWorkers =
    [
        "Messaging:DeliveryLimit",
        "Messaging:Prefetch",
        "Messaging:JobTimeout",
        "Messaging:ProgressHeartbeat",
        "Messaging:ConfirmTimeout",
        "Rendering:Limits:MaxSourceBytes",
        "Rendering:Limits:MaxPixels",
        "Rendering:Limits:MaxTextLength",
        "Rendering:Limits:MaxFontBytes",
    ];

    /// <summary>Read by the producer only, but judged against the workers' settings.</summary>
    public const string LostJobQuietPeriod = "LostJobs:QuietFor";

    private readonly IConfiguration _configuration;

    private SharedSettings(IConfiguration configuration, MessagingOptions messaging)
    {
        _configuration = configuration;
        Messaging = messaging;
    }

    /// <summary>The queue settings every service runs with: the shared defaults, with the AppHost's values over them.</summary>
    public MessagingOptions Messaging { get; }

    /// <exception cref="InvalidOperationException">A value out of its range, or a lost-job quiet period too short for the workers; the message names the setting.</exception>
    public static SharedSettings From(IConfiguration configuration)
    {
        var messaging = new MessagingOptions();
        configuration.GetSection(MessagingOptions.SectionName).Bind(messaging);
        var problems = new List<ValidationResult>();
        if (!Validator.TryValidateObject(messaging, new ValidationContext(messaging), problems, validateAllProperties: true))
        {
            throw new InvalidOperationException(string.Join(" ", problems.Select(p =>
                $"{MessagingOptions.SectionName}:{string.Join(",", p.MemberNames)}: {p.ErrorMessage}")));
        }

        // Unset, the producer's own default applies, which its start checks against the same rule.
        if (configuration[LostJobQuietPeriod] is { } text)
        {
            if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var quietFor))
            {
                throw new InvalidOperationException($"{LostJobQuietPeriod} must be a time span (hh:mm:ss), not '{text}'.");
            }

            if (!messaging.AllowsQuietPeriod(quietFor))
            {
                throw new InvalidOperationException(
                    $"{LostJobQuietPeriod} is {quietFor}, shorter than the {messaging.LongestSilence()} the workers' settings need. {MessagingOptions.QuietPeriodRule}");
            }
        }

        return new SharedSettings(configuration, messaging);
    }

    /// <summary>The environment for a service that reads <paramref name="keys"/>: those set in the AppHost, as the services' configuration names them.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentFor(IEnumerable<string> keys) =>
        keys.Where(key => _configuration[key] is not null)
            .ToDictionary(key => key.Replace(":", "__", StringComparison.Ordinal), key => _configuration[key]!);
}
