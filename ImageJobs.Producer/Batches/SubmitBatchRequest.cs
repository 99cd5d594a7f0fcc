using ImageJobs.Producer.Webhooks;
using ImageJobs.Rendering;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// A batch, given either as explicit <see cref="Items"/> or as every blob under <see cref="Prefix"/>
/// with one text <see cref="Template"/>. <see cref="Style"/> applies to every image; an item's own
/// style overrides it property by property.
/// </summary>
public sealed record SubmitBatchRequest
{
    public IReadOnlyList<BatchItem>? Items { get; init; }

    public string? Prefix { get; init; }

    /// <summary>Text for every image under <see cref="Prefix"/>: {name}, {stem} and {index} are replaced.</summary>
    public string? Template { get; init; }

    public TextStyle? Style { get; init; }

    /// <summary>Where to send the batch's events; none: the setting's (Webhooks:Url), if any.</summary>
    public WebhookRequest? Webhook { get; init; }
}

public sealed record BatchItem(string? Source, string? Text, TextStyle? Style = null);

/// <summary>The answer to a submission.</summary>
public sealed record BatchAccepted(string BatchId, int Total, string StatusUrl);
