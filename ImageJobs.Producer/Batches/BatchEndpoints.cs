using ImageJobs.Producer.Access;
using ImageJobs.Producer.ApiReference;
using ImageJobs.Storage;
using Microsoft.AspNetCore.Mvc;

namespace ImageJobs.Producer.Batches;

/// <summary>Which dead-lettered jobs to requeue; none named means all of the batch's.</summary>
public sealed record RequeueRequest(IReadOnlyList<string>? JobIds);

public static class BatchEndpoints
{
    public static IEndpointRouteBuilder MapBatchEndpoints(this IEndpointRouteBuilder app)
    {
        var batches = app.MapGroup("/api/batches").WithTags("Batches");

        batches.MapPost("/", async (
            SubmitBatchRequest request,
            [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
            BatchSubmitter submitter,
            CancellationToken cancellationToken) =>
        {
            try
            {
                var accepted = await submitter.SubmitAsync(request, idempotencyKey, cancellationToken);
                return Results.Accepted(accepted.StatusUrl, accepted);
            }
            catch (BatchRejectedException ex)
            {
                return Results.ValidationProblem(ex.Errors, title: "The batch request is invalid.");
            }
            catch (BatchConflictException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: ex.Message);
            }
        })
            .RequireScope(ApiScopes.Submit)
            .WithName("SubmitBatch")
            .WithSummary("Submit a batch: items, or every image under a prefix with a text template")
            .WithDescription("Answered once the broker has confirmed every job. An Idempotency-Key makes a submission safe to repeat: "
                + "the same key and request give the same batch; the same key with another request is a 409.")
            .Produces<BatchAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        // Lists are paged: newest first, `limit` at a time; the response's Continuation-Token header,
        // sent back as `continuation`, gives the next page.
        batches.MapGet("/", async (int? limit, string? continuation, BatchTracker tracker, HttpResponse response, CancellationToken cancellationToken) =>
            PageProblem(limit, MaxBatchesPerPage, continuation, BatchStore.IsContinuationToken) ?? Paged(response,
                await tracker.ListAsync(limit ?? DefaultBatchesPerPage, continuation, cancellationToken)))
            .WithName("ListBatches")
            .WithSummary("Batches with their counts, newest first, paged")
            .WithDescription("A Continuation-Token response header, sent back as ?continuation=, gives the next page.")
            .Produces<IReadOnlyList<BatchStatus>>()
            .ProducesValidationProblem();

        batches.MapGet("/{batchId}", async (string batchId, BatchTracker tracker, CancellationToken cancellationToken) =>
            IsBatchId(batchId) && await tracker.GetAsync(batchId, cancellationToken) is { } status
                ? Results.Ok(status)
                : NoBatch(batchId))
            .WithName("GetBatch")
            .WithSummary("A batch's progress: counts, images/s over the last minute, ETA, the first failures")
            .Produces<BatchStatus>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        batches.MapGet("/{batchId}/failures", async (string batchId, int? limit, string? continuation, BatchTracker tracker,
            HttpResponse response, CancellationToken cancellationToken) =>
            PageProblem(limit, MaxFailuresPerPage, continuation, static token => token.Length == 6 && token.All(char.IsAsciiDigit))
            ?? (IsBatchId(batchId) && await tracker.GetFailuresAsync(batchId, limit ?? DefaultFailuresPerPage,
                continuation is null ? null : int.Parse(continuation, System.Globalization.CultureInfo.InvariantCulture), cancellationToken) is { } failures
                ? Paged(response, failures)
                : NoBatch(batchId)))
            .WithName("ListFailures")
            .WithSummary("A batch's failed jobs with their error codes, in job order, paged")
            .Produces<IReadOnlyList<JobFailure>>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        batches.MapPost("/{batchId}/requeue", async (
            string batchId,
            RequeueRequest? request,
            BatchTracker tracker,
            DeadLetterRequeuer requeuer,
            CancellationToken cancellationToken) =>
        {
            if (!IsBatchId(batchId) || !await tracker.ExistsAsync(batchId, cancellationToken))
            {
                return NoBatch(batchId);
            }

            var selected = request?.JobIds is { Count: > 0 } ids ? ids.ToHashSet(StringComparer.Ordinal) : null;
            return Results.Ok(await requeuer.RequeueAsync(batchId, selected, cancellationToken));
        })
            .RequireScope(ApiScopes.Submit)
            .WithName("RequeueFailures")
            .WithSummary("Send a batch's dead-lettered jobs back to work (those named, or all)")
            .Produces<RequeueResult>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    public const int DefaultBatchesPerPage = 50;
    public const int MaxBatchesPerPage = 500;
    public const int DefaultFailuresPerPage = 1_000;
    public const int MaxFailuresPerPage = 5_000;

    /// <summary>A 400 naming the paging parameter that is out of range or not a token we handed out; null when both are fine.</summary>
    public static IResult? PageProblem(int? limit, int maxLimit, string? continuation, Func<string, bool> isToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (limit is < 1 || limit > maxLimit)
        {
            errors["limit"] = [$"limit must be between 1 and {maxLimit}."];
        }

        if (continuation is not null && !isToken(continuation))
        {
            errors["continuation"] = ["continuation must be a Continuation-Token header of an earlier page, unchanged."];
        }

        return errors.Count > 0 ? Results.ValidationProblem(errors, title: "The paging parameters are invalid.") : null;
    }

    /// <summary>The page's items as the body, and where the next page starts in the Continuation-Token header.</summary>
    public static IResult Paged<T>(HttpResponse response, Page<T> page)
    {
        if (page.ContinuationToken is { } next)
        {
            response.Headers["Continuation-Token"] = next;
        }

        return Results.Ok(page.Items);
    }

    /// <summary>Whether a route's batch id can name a batch at all: one plain blob-name segment (it becomes a folder name).</summary>
    public static bool IsBatchId(string batchId) => BlobNames.Problem(batchId) is null && !batchId.Contains('/');

    public static IResult NoBatch(string batchId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No batch '{batchId}'.");
}
