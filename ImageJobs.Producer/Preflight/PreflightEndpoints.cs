using ImageJobs.Contracts;
using ImageJobs.Producer.Access;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Sources;
using ImageJobs.Producer.Templates;
using ImageJobs.Rendering;
using ImageJobs.Storage;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Preflight;

/// <summary>
/// POST /api/batches/preflight (a submission's JSON body) and /api/batches/preflight/manifest (a
/// manifest's form): the batch checked as a submission is, then every row laid out, nothing
/// published. <c>offset</c> and <c>limit</c> (1-1,000, default 200) page the problem rows.
/// </summary>
public static class PreflightEndpoints
{
    public const int DefaultPage = 200;

    public static IEndpointRouteBuilder MapPreflightEndpoints(this IEndpointRouteBuilder app)
    {
        var preflight = app.MapGroup("/api/batches/preflight").WithTags("Batches")
            .RequireScope(ApiScopes.Submit)
            .RequireRateLimiting(UploadLimits.ConcurrencyPolicy);

        preflight.MapPost("/", async (SubmitBatchRequest request, int? offset, int? limit, BatchSubmitter submitter, TemplatedBatches templated,
            IOptions<BatchLimits> limits, Preflights preflights, CancellationToken cancellationToken) =>
        {
            if (PageProblem(offset, limit) is { } pageProblem)
            {
                return pageProblem;
            }

            try
            {
                var errors = BatchRequestValidator.Validate(request, limits.Value);
                if (errors.Count > 0)
                {
                    throw new BatchRejectedException(errors);
                }

                var plan = await templated.PrepareAsync(request, cancellationToken);
                var items = request.Items ?? await submitter.ExpandPrefixAsync(request, plan, cancellationToken);
                return Results.Ok(await preflights.ReportAsync(plan, request, items, null, offset ?? 0, limit ?? DefaultPage, cancellationToken));
            }
            catch (BatchRejectedException ex)
            {
                return Results.ValidationProblem(ex.Errors, title: "The batch request is invalid.");
            }
        })
            .WithName("PreflightBatch")
            .WithSummary("Lay out every row of a batch without publishing it: which texts fit, shrink, are cut or would fail, and which characters no font has")
            .WithDescription("The same body as POST /api/batches. Image sizes come from each source's header (no pixel is decoded); problem rows are paged by offset and limit.")
            .Produces<PreflightReport>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        preflight.MapPost("/manifest", async (HttpRequest request, int? offset, int? limit, ManifestSubmitter manifests, IOptions<UploadLimits> uploads,
            Preflights preflights, CancellationToken cancellationToken) =>
        {
            if (PageProblem(offset, limit) is { } pageProblem)
            {
                return pageProblem;
            }

            var (manifest, invalid) = await ManifestForm.ReadAsync(request, uploads.Value, cancellationToken);
            if (manifest is null)
            {
                return invalid!;
            }

            try
            {
                var rows = await manifests.ReadAsync(manifest, cancellationToken, lookUpSources: false);
                return Results.Ok(await preflights.ReportAsync(rows.Plan, rows.Request, rows.Parse.Items, rows.Parse.Lines, offset ?? 0, limit ?? DefaultPage, cancellationToken));
            }
            catch (BatchRejectedException ex)
            {
                return Results.ValidationProblem(ex.Errors, title: "The manifest is invalid.");
            }
        }).DisableAntiforgery()
            .WithName("PreflightManifest")
            .WithSummary("Lay out every row of a manifest without publishing it (the same form as POST /api/batches/manifest)")
            .WithDescription("Problem rows carry their manifest line.")
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<PreflightReport>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        return app;
    }

    private static IResult? PageProblem(int? offset, int? limit)
    {
        var errors = new Dictionary<string, string[]>();
        if (offset is < 0)
        {
            errors["offset"] = ["offset must be 0 or more."];
        }

        if (limit is < 1 or > PreflightPlanner.MaxPage)
        {
            errors["limit"] = [$"limit must be between 1 and {PreflightPlanner.MaxPage}."];
        }

        return errors.Count > 0 ? Results.ValidationProblem(errors, title: "The paging parameters are invalid.") : null;
    }
}

/// <summary>
/// A batch's pre-flight: its sources' sizes read from their headers, the uploaded faces its template
/// names fetched and loaded as a worker does (through the same bounded cache), then every row laid
/// out (<see cref="PreflightPlanner"/>).
/// </summary>
public sealed partial class Preflights(SourceSizes sizes, ImageRenderer renderer, FontFiles fontFiles, IOptions<RenderLimits> renderLimits, ILogger<Preflights> logger)
{
    public async Task<PreflightReport> ReportAsync(TemplatePlan? plan, SubmitBatchRequest request, IReadOnlyList<BatchItem> items, IReadOnlyList<int>? lines,
        int offset, int limit, CancellationToken cancellationToken)
    {
        var known = await sizes.ProbeAsync(items.Select(i => i.Source!), cancellationToken);
        using var fonts = await LoadFontsAsync(plan, cancellationToken);
        // CPU-bound and parallel inside: off the request's thread.
        return await Task.Run(() => PreflightPlanner.Run(renderer, plan, request, items, lines, known, offset, limit, fonts), cancellationToken);
    }

    /// <summary>
    /// The faces the template's jobs would carry, or null when it names none. A face that cannot be
    /// had (deleted since the template was checked, unreadable) is left out: the layers naming its
    /// family are then reported as failing with <c>font.missing</c>, as their jobs would fail.
    /// </summary>
    private async Task<UploadedFonts?> LoadFontsAsync(TemplatePlan? plan, CancellationToken cancellationToken)
    {
        if (plan?.Contract.Fonts is not { Count: > 0 } faces)
        {
            return null;
        }

        try
        {
            return UploadedFonts.Load(await fontFiles.FetchAsync(faces, renderLimits.Value.MaxFontBytes, cancellationToken));
        }
        catch (JobFailedException ex)
        {
            LogFontsUnavailable(logger, ex.Code, ex.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pre-flight without the template's uploaded fonts ({Code}): {Reason}")]
    private static partial void LogFontsUnavailable(ILogger logger, string code, string reason);
}
