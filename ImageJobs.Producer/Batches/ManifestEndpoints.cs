using ImageJobs.Producer.Access;
using ImageJobs.Producer.Sources;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Batches;

public static class ManifestEndpoints
{
    /// <summary>
    /// POST /api/batches/manifest, multipart: <c>manifest</c> (a .csv or .jsonl file), an optional
    /// <c>style</c> (JSON) for the whole batch or a layered template (<c>templateName</c> and
    /// <c>templateVersion</c>, or <c>inlineTemplate</c> as JSON, with <c>mapping</c> and <c>outputName</c>;
    /// <see cref="ManifestForm"/>), and <c>webhook</c> (JSON: url, secret, onFailure). 400 with every bad row by line number.
    /// </summary>
    public static IEndpointRouteBuilder MapManifestEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/batches/manifest", async (HttpRequest request, ManifestSubmitter submitter, IOptions<UploadLimits> limits, CancellationToken cancellationToken) =>
        {
            var (manifest, invalid) = await ManifestForm.ReadAsync(request, limits.Value, cancellationToken);
            if (manifest is null)
            {
                return invalid!;
            }

            try
            {
                var idempotencyKey = request.Headers["Idempotency-Key"].ToString();
                var accepted = await submitter.SubmitAsync(manifest, idempotencyKey.Length > 0 ? idempotencyKey : null, cancellationToken);
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
            .WithSummary("Submit a batch from a CSV or JSON Lines manifest (multipart: manifest, optional style or template)")
            .WithDescription("Every row is validated and every image looked up before anything is published; a bad row refuses the whole manifest, by line.")
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<BatchAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        return app;
    }

}
