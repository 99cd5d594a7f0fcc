using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using ImageJobs.Contracts;
using ImageJobs.Producer.Access;
using ImageJobs.Producer.ApiReference;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Fonts;
using ImageJobs.Producer.Templates;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Templates;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Preview;

/// <summary>
/// One image to render now, without the queue: a source blob's name or the image itself (base64),
/// and either a text and its style (the same JSON as a batch's style) or a template (as
/// <c>/api/templates</c> takes it) with one manifest row's values for its placeholders.
/// </summary>
public sealed record PreviewRequest(string? Source, string? Image, string? Text, TextStyle? Style,
    TemplateDefinition? Template = null, IReadOnlyDictionary<string, string>? Values = null);

/// <summary>
/// <c>POST /api/preview</c>: renders one image with a style so a user can tune it before submitting
/// 40,000. Returns the image itself, reduced; refusals are problem details with the renderer's
/// stable code. At most <see cref="PreviewOptions.MaxConcurrent"/> at once (429 beyond), each
/// stopped at its time limit or when the client goes away.
/// </summary>
public static class PreviewEndpoints
{
    public static IEndpointRouteBuilder MapPreviewEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/preview", HandleAsync)
            .RequireRateLimiting(PreviewOptions.ConcurrencyPolicy)
            .WithTags("Preview")
            .RequireScope(ApiScopes.Submit)
            .WithName("Preview")
            .WithSummary("Render one image now, without the queue: a text and its style, or a template and one row (at most 1600 px on its longest side)")
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg", additionalContentTypes: ["image/png", "image/webp"])
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesCodedProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesCodedProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<IResult> HandleAsync(
        PreviewRequest request,
        ImageRenderer renderer,
        BlobServiceClient blobs,
        IOptions<StorageOptions> storage,
        IOptions<PreviewOptions> options,
        IOptions<BatchLimits> batchLimits,
        FontStore fontStore,
        FontFiles fontFiles,
        IOptions<RenderLimits> renderLimits,
        CancellationToken cancellationToken)
    {
        var errors = Validate(request);
        var catalogue = await fontStore.CatalogueAsync(request.Template?.Layers, cancellationToken);
        var template = request.Template is { } definition ? Resolve(request, definition, batchLimits.Value, catalogue, errors) : null;
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors, title: "The preview request is invalid.");
        }

        var limits = options.Value;
        // The request's token ends when the client goes away; this one also at the time limit.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limits.Timeout);
        try
        {
            ReadOnlyMemory<byte> source;
            if (request.Image is { } base64)
            {
                // Base64 is 4/3 of the bytes: refuse a body that cannot decode under the limit before decoding it.
                if ((long)base64.Length * 3 / 4 > limits.MaxSourceBytes + 3)
                {
                    return Refused(ErrorCodes.SourceTooLarge, string.Create(CultureInfo.InvariantCulture,
                        $"The image is more than a preview's limit of {limits.MaxSourceBytes:N0} bytes."));
                }

                var bytes = new byte[base64.Length * 3 / 4];
                if (!Convert.TryFromBase64String(base64, bytes, out var written))
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["image"] = ["must be base64"] }, title: "The preview request is invalid.");
                }

                source = bytes.AsMemory(0, written);
            }
            else
            {
                var blob = blobs.GetBlobContainerClient(storage.Value.SourcesContainer).GetBlobClient(request.Source);
                try
                {
                    source = await blob.DownloadSourceAsync(limits.MaxSourceBytes, deadline.Token);
                }
                catch (RequestFailedException ex) when (ex.Status == StatusCodes.Status404NotFound)
                {
                    return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No source blob '{request.Source}'.");
                }
            }

            var pictures = template is null ? null : await blobs.GetBlobContainerClient(storage.Value.SourcesContainer)
                .DownloadPicturesAsync(template.PictureNames(), limits.MaxSourceBytes, deadline.Token);
            var faces = template is null ? [] : catalogue.FacesOf(template.FontFamilies().Select(f => f.Family));
            using var fonts = faces.Count == 0 ? null : UploadedFonts.Load(await fontFiles.FetchAsync(faces, renderLimits.Value.MaxFontBytes, deadline.Token));
            // The render runs to its next stage even when cancelled, and holds its concurrency slot until then.
            var rendered = await Task.Run(() => template is null
                ? renderer.RenderPreview(source, request.Text!, request.Style, limits.Limits, deadline.Token)
                : renderer.RenderPreview(source, template, pictures!, limits.Limits, fonts, deadline.Token), deadline.Token);
            return Results.File(rendered.Data.ToArray(), rendered.ContentType, "preview" + rendered.Format.Extension);
        }
        catch (JobFailedException ex)
        {
            return Refused(ex.Code, ex.Message);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The preview took too long.",
                detail: $"Stopped after {limits.Timeout}.", extensions: new Dictionary<string, object?> { ["code"] = ErrorCodes.Timeout });
        }
    }

    /// <summary>Field path (as in the request JSON) to problems.</summary>
    public static Dictionary<string, string[]> Validate(PreviewRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.Source) == string.IsNullOrEmpty(request.Image))
        {
            errors["source"] = ["Give either source (a blob name) or image (base64 bytes), not both."];
        }
        else if (request.Source is { Length: > 0 } source && BlobNames.Problem(source) is { } problem)
        {
            errors["source"] = [$"The source blob name is refused: {problem}."];
        }

        if ((request.Text is null) == (request.Template is null))
        {
            errors[request.Text is null ? "text" : "template"] = ["Give either a text (it may be empty) and its style, or a template with the row's values."];
        }
        else if (request.Template is not null && request.Style is not null)
        {
            errors["style"] = ["A template's layers carry their own styles."];
        }

        foreach (var (field, message) in request.Style?.Validate() ?? new Dictionary<string, string>())
        {
            errors["style." + field] = [message];
        }

        return errors;
    }

    /// <summary>The template filled with the request's row, or null with the problems added to <paramref name="errors"/>.</summary>
    private static Template? Resolve(PreviewRequest request, TemplateDefinition definition, BatchLimits limits, FontCatalogue fonts, Dictionary<string, string[]> errors)
    {
        var values = request.Values ?? new Dictionary<string, string>();
        // A row, bounded as a batch's rows are.
        if (LayeredBatchRules.ValuesProblem(values, limits) is { } badRow)
        {
            errors["values"] = [badRow];
            return null;
        }

        if (TemplatePlan.TryCompile(definition, limits.MaxTextLength, out var invalid, fonts: fonts) is not { } plan)
        {
            foreach (var (path, problem) in invalid)
            {
                errors["template." + path] = [problem];
            }

            return null;
        }

        var problems = new List<string>();
        var template = plan.Resolve(new TemplateRow(request.Source ?? "", 1, values), problems);
        if (template is null)
        {
            errors["values"] = [.. problems];
        }

        return template;
    }

    private static IResult Refused(string code, string message) => Results.Problem(
        statusCode: StatusCodes.Status422UnprocessableEntity,
        title: "The image cannot be rendered.",
        detail: message,
        extensions: new Dictionary<string, object?> { ["code"] = code });
}
