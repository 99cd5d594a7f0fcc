using ImageJobs.Contracts.Styles;
using ImageJobs.Producer.Templates;
using ImageJobs.Producer.Webhooks;
using ImageJobs.Rendering;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// A batch, given either as explicit <see cref="Items"/> or as every blob under <see cref="Prefix"/>
/// with one text <see cref="Template"/>. <see cref="Style"/> applies to every image; an item's own
/// style overrides it property by property. With a layered template (<see cref="TemplateName"/>, or
/// <see cref="InlineTemplate"/>) each item gives its column <see cref="BatchItem.Values"/> instead of
/// a text and a style (ImageJobs.Producer/Templates).
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

    /// <summary>A stored template to draw every image with (/api/templates), its newest version unless <see cref="TemplateVersion"/> says which.</summary>
    public string? TemplateName { get; init; }

    public int? TemplateVersion { get; init; }

    /// <summary>A template given with the batch, in place of a stored one.</summary>
    public TemplateDefinition? InlineTemplate { get; init; }

    /// <summary>With a layered template: each result's file name, with placeholders, over the template's own <see cref="TemplateDefinition.OutputName"/>.</summary>
    public string? OutputName { get; init; }

    /// <summary>With a layered template: the box every result is fitted within (never enlarged), over the template's <c>output.resize</c>.</summary>
    public JobResize? Resize { get; init; }

    /// <summary>
    /// With a layered template and a <see cref="Prefix"/>: which of each source's own fields fills a
    /// placeholder, by placeholder (<c>{"graduate": "stem", "price": "meta:price"}</c>; <c>name</c>,
    /// <c>stem</c>, <c>index</c> or <c>meta:key</c>), as a manifest's mapping names its columns.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Mapping { get; init; }
}

/// <param name="Values">With a layered template: the row's value of each column its placeholders name.</param>
public sealed record BatchItem(string? Source, string? Text, TextStyle? Style = null, IReadOnlyDictionary<string, string>? Values = null);

/// <summary>The answer to a submission; a layered batch says which stored template version it used.</summary>
public sealed record BatchAccepted(string BatchId, int Total, string StatusUrl, string? TemplateName = null, int? TemplateVersion = null);
