using System.Text.Json;
using ImageJobs.Producer.Access;
using ImageJobs.Producer.Problems;
using ImageJobs.Producer.Sources;
using ImageJobs.Rendering;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Batches;

public static class ManifestEndpoints
{
    /// <summary>
    /// POST /api/batches/manifest, multipart: <c>manifest</c> (a .csv or .jsonl file) and an
    /// optional <c>style</c> (JSON) for the whole batch
    /// and <c>webhook</c> (JSON: url, secret, onFailure). 400 with every bad row by line number.
    /// </summary>
    public static IEndpointRouteBuilder MapManifestEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/batches/manifest", async (HttpRequest request, ManifestSubmitter submitter, IOptions<UploadLimits> limits, CancellationToken cancellationToken) =>
        {
            if (!request.HasFormContentType)
            {
                return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send multipart/form-data with a 'manifest' file.");
            }

            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidDataException or (IOException and not BadHttpRequestException) && !cancellationToken.IsCancellationRequested)
            {
                // A malformed multipart body, or one past the form limits (parts, part headers, part sizes).
                return Invalid("manifest", $"The multipart body is malformed: {ex.Message}");
            }

            if (form.Files["manifest"] is not { } file || ManifestParser.FormatOf(file.FileName) is not { } format)
            {
                return Invalid("manifest", "A 'manifest' file named *.csv or *.jsonl is required.");
            }

            if (file.Length > limits.Value.MaxManifestBytes)
            {
                return Invalid("manifest", $"The manifest is larger than {limits.Value.MaxManifestBytes:N0} bytes.");
            }

            TextStyle? style = null;
            if (form["style"].ToString() is { Length: > 0 } styleJson)
            {
                try
                {
                    style = JsonSerializer.Deserialize<TextStyle>(styleJson, JsonSerializerOptions.Web);
                }
                catch (JsonException ex)
                {
                    var path = BadRequestHandler.JsonField(ex.Path);
                    return Invalid(path == "body" ? "style" : "style." + path, ex.Message);
                }
            }

            Webhooks.WebhookRequest? webhook = null;
            if (form["webhook"].ToString() is { Length: > 0 } webhookJson)
            {
                try
                {
                    webhook = JsonSerializer.Deserialize<Webhooks.WebhookRequest>(webhookJson, JsonSerializerOptions.Web);
                }
                catch (JsonException ex)
                {
                    return Invalid("webhook", ex.Message);
                }
            }

            using var reader = new StreamReader(file.OpenReadStream());
            var content = await reader.ReadToEndAsync(cancellationToken);
            try
            {
                var idempotencyKey = request.Headers["Idempotency-Key"].ToString();
                var accepted = await submitter.SubmitAsync(content, format, style, idempotencyKey.Length > 0 ? idempotencyKey : null, cancellationToken, webhook);
                return Results.Accepted(accepted.StatusUrl, accepted);
            }
            catch (BatchRejectedException ex)
            {
                return Results.ValidationProblem(ex.Errors, title: "The manifest is invalid; nothing was published.");
            }
            catch (BatchConflictException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: ex.Message);
            }
        }).DisableAntiforgery().RequireRateLimiting(UploadLimits.ConcurrencyPolicy)
            .WithTags("Batches")
            .RequireScope(ApiScopes.Submit)
            .WithName("SubmitManifest")
            .WithSummary("Submit a batch from a CSV or JSON Lines manifest (multipart: manifest, optional style)")
            .WithDescription("Every row is validated and every image looked up before anything is published; a bad row refuses the whole manifest, by line.")
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<BatchAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        return app;
    }

    private static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The manifest is invalid; nothing was published.");
}
