using System.Globalization;
using System.Text.Json;
using ImageJobs.Contracts.Styles;
using ImageJobs.Producer.Problems;
using ImageJobs.Producer.Sources;
using ImageJobs.Producer.Templates;
using ImageJobs.Rendering;

namespace ImageJobs.Producer.Batches;

/// <summary>
/// A manifest as a submission sends it: the file's text and format, and the batch it makes without
/// its rows (<see cref="Batch"/>: a style, or a template by name, version or inline, an output name,
/// a webhook), plus which column fills each placeholder (<see cref="Mapping"/>).
/// </summary>
public sealed record ManifestSubmission(string Content, ManifestFormat Format, SubmitBatchRequest Batch, IReadOnlyDictionary<string, string>? Mapping);

/// <summary>
/// Reads a manifest's multipart form: <c>manifest</c> (a .csv or .jsonl file, at most
/// <see cref="UploadLimits.MaxManifestBytes"/>), and the optional text fields <c>style</c>,
/// <c>webhook</c>, <c>inlineTemplate</c> and <c>mapping</c> (JSON; <c>mapping</c> an object from
/// placeholder to column; <c>resize</c> a box, <c>{"width": 800}</c>), <c>templateName</c>, <c>templateVersion</c> and <c>outputName</c>.
/// </summary>
public static class ManifestForm
{
    private const string Title = "The manifest is invalid; nothing was published.";

    public static async Task<(ManifestSubmission? Submission, IResult? Problem)> ReadAsync(HttpRequest request, UploadLimits limits, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send multipart/form-data with a 'manifest' file."));
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or (IOException and not BadHttpRequestException) && !cancellationToken.IsCancellationRequested)
        {
            // A malformed multipart body, or one past the form limits (parts, part headers, part sizes).
            return (null, Invalid("manifest", $"The multipart body is malformed: {ex.Message}"));
        }

        if (form.Files["manifest"] is not { } file || ManifestParser.FormatOf(file.FileName) is not { } format)
        {
            return (null, Invalid("manifest", "A 'manifest' file named *.csv or *.jsonl is required."));
        }

        if (file.Length > limits.MaxManifestBytes)
        {
            return (null, Invalid("manifest", $"The manifest is larger than {limits.MaxManifestBytes:N0} bytes."));
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var style = Json<TextStyle>(form, "style", errors);
        var webhook = Json<Webhooks.WebhookRequest>(form, "webhook", errors);
        var inline = Json<TemplateDefinition>(form, "inlineTemplate", errors);
        var mapping = Json<Dictionary<string, string>>(form, "mapping", errors);
        var resize = Json<JobResize>(form, "resize", errors);
        int? version = null;
        if (Text(form, "templateVersion") is { } versionText)
        {
            version = int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : Add<int?>(errors, "templateVersion", "A version is a whole number, 1 or more.");
        }

        if (errors.Count > 0)
        {
            return (null, Results.ValidationProblem(errors, title: Title));
        }

        using var reader = new StreamReader(file.OpenReadStream());
        var content = await reader.ReadToEndAsync(cancellationToken);
        var batch = new SubmitBatchRequest
        {
            Style = style,
            Webhook = webhook,
            TemplateName = Text(form, "templateName"),
            TemplateVersion = version,
            InlineTemplate = inline,
            OutputName = Text(form, "outputName"),
            Resize = resize,
        };
        return (new ManifestSubmission(content, format, batch, mapping), null);
    }

    private static string? Text(IFormCollection form, string field) => form[field].ToString() is { Length: > 0 } text ? text : null;

    /// <summary>A JSON field, or null with its problem added (by its path inside the field: <c>style.color</c>).</summary>
    private static T? Json<T>(IFormCollection form, string field, Dictionary<string, string[]> errors)
        where T : class
    {
        if (Text(form, field) is not { } json)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(json, JsonSerializerOptions.Web) ?? Add<T>(errors, field, "must not be null");
        }
        catch (JsonException ex)
        {
            var path = BadRequestHandler.JsonField(ex.Path);
            return Add<T>(errors, path == "body" ? field : $"{field}.{path}", ex.Message);
        }
    }

    private static T? Add<T>(Dictionary<string, string[]> errors, string field, string message)
    {
        errors[field] = [message];
        return default;
    }

    private static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: Title);
}
