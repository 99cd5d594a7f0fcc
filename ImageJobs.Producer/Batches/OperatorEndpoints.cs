using ImageJobs.Contracts;
using ImageJobs.Producer.Access;
using ImageJobs.Producer.Control;
using ImageJobs.Producer.Demo;

namespace ImageJobs.Producer.Batches;

/// <summary>What a requeue of the newest batch did.</summary>
public sealed record LatestRequeued(string BatchId, RequeueResult Result);

/// <summary>One-click operations, called by the Aspire dashboard's commands on the producer resource.</summary>
public static class OperatorEndpoints
{
    public static IEndpointRouteBuilder MapOperatorEndpoints(this IEndpointRouteBuilder app)
    {
        var operations = app.MapGroup("/api/operator").WithTags("Operator").RequireScope(ApiScopes.Admin);

        operations.MapPost("/demo-batch", async (BatchSubmitter submitter, CancellationToken cancellationToken) =>
        {
            try
            {
                var accepted = await submitter.SubmitAsync(
                    new SubmitBatchRequest { Prefix = DemoBatchSeeder.Prefix, Template = "Demo {stem} #{index}" }, null, cancellationToken);
                return Results.Accepted(accepted.StatusUrl, accepted);
            }
            catch (BatchRejectedException ex)
            {
                return Results.ValidationProblem(ex.Errors, title: "No demo batch: the sample images are missing.");
            }
        })
            .WithName("SubmitDemoBatch")
            .WithSummary("Submit every image under samples/ (the dashboard's command)")
            .Produces<BatchAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem();

        operations.MapPost("/requeue-latest", async (BatchTracker tracker, DeadLetterRequeuer requeuer, CancellationToken cancellationToken) =>
        {
            var newest = (await tracker.ListAsync(1, null, cancellationToken)).Items;
            var latest = newest.Count > 0 ? newest[0] : null;
            return latest is null
                ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "There is no batch yet.")
                : Results.Ok(new LatestRequeued(latest.BatchId, await requeuer.RequeueAsync(latest.BatchId, null, cancellationToken)));
        })
            .WithName("RequeueLatest")
            .WithSummary("Requeue every failed job of the newest batch (the dashboard's command)")
            .Produces<LatestRequeued>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        MapControlLatest(operations, "cancel-latest", BatchControlState.Cancelled, "CancelLatest", "Cancel the newest batch (the dashboard's command)");
        MapControlLatest(operations, "pause-latest", BatchControlState.Paused, "PauseLatest", "Pause the newest batch (the dashboard's command)");
        MapControlLatest(operations, "resume-latest", BatchControlState.Running, "ResumeLatest", "Resume the newest batch (the dashboard's command)");
        return app;
    }

    private static void MapControlLatest(RouteGroupBuilder operations, string path, BatchControlState state, string name, string summary) =>
        operations.MapPost($"/{path}", async (BatchTracker tracker, BatchController controller, CancellationToken cancellationToken) =>
        {
            var newest = (await tracker.ListAsync(1, null, cancellationToken)).Items;
            if (newest.Count == 0)
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "There is no batch yet.");
            }

            return await controller.ChangeAsync(newest[0].BatchId, state, cancellationToken) switch
            {
                null => BatchEndpoints.NoBatch(newest[0].BatchId),
                { RefusalCode: { } code } refused => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: $"Batch {newest[0].BatchId}: {refused.Refusal}",
                    extensions: new Dictionary<string, object?> { ["code"] = code, ["state"] = refused.Status.State }),
                var changed => Results.Ok(changed.Status),
            };
        })
            .WithName(name)
            .WithSummary(summary)
            .Produces<BatchStatus>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
