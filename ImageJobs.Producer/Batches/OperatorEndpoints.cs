using ImageJobs.Producer.Access;
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

        return app;
    }
}
