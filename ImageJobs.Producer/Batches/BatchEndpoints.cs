using ImageJobs.Storage;
using Microsoft.AspNetCore.Mvc;

namespace ImageJobs.Producer.Batches;

/// <summary>Which dead-lettered jobs to requeue; none named means all of the batch's.</summary>
public sealed record RequeueRequest(IReadOnlyList<string>? JobIds);

public static class BatchEndpoints
{
    public static IEndpointRouteBuilder MapBatchEndpoints(this IEndpointRouteBuilder app)
    {
        var batches = app.MapGroup("/api/batches");

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
        });

        batches.MapGet("/", async (BatchTracker tracker, CancellationToken cancellationToken) =>
            Results.Ok(await tracker.ListAsync(cancellationToken)));

        batches.MapGet("/{batchId}", async (string batchId, BatchTracker tracker, CancellationToken cancellationToken) =>
            IsBatchId(batchId) && await tracker.GetAsync(batchId, cancellationToken) is { } status
                ? Results.Ok(status)
                : NoBatch(batchId));

        batches.MapGet("/{batchId}/failures", async (string batchId, BatchTracker tracker, CancellationToken cancellationToken) =>
            IsBatchId(batchId) && await tracker.GetFailuresAsync(batchId, cancellationToken) is { } failures
                ? Results.Ok(failures)
                : NoBatch(batchId));

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
        });

        return app;
    }

    /// <summary>Whether a route's batch id can name a batch at all: one plain blob-name segment (it becomes a folder name).</summary>
    public static bool IsBatchId(string batchId) => BlobNames.Problem(batchId) is null && !batchId.Contains('/');

    public static IResult NoBatch(string batchId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No batch '{batchId}'.");
}
