namespace ImageJobs.Producer.Batches;

public static class BatchEndpoints
{
    public static IEndpointRouteBuilder MapBatchEndpoints(this IEndpointRouteBuilder app)
    {
        var batches = app.MapGroup("/api/batches");

        batches.MapPost("/", async (SubmitBatchRequest request, BatchSubmitter submitter, CancellationToken cancellationToken) =>
        {
            try
            {
                var accepted = await submitter.SubmitAsync(request, cancellationToken);
                return Results.Accepted(accepted.StatusUrl, accepted);
            }
            catch (BatchRejectedException ex)
            {
                return Results.ValidationProblem(ex.Errors, title: "The batch request is invalid.");
            }
        });

        batches.MapGet("/", async (BatchTracker tracker, CancellationToken cancellationToken) =>
            Results.Ok(await tracker.ListAsync(cancellationToken)));

        batches.MapGet("/{batchId}", async (string batchId, BatchTracker tracker, CancellationToken cancellationToken) =>
            await tracker.GetAsync(batchId, cancellationToken) is { } status
                ? Results.Ok(status)
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No batch '{batchId}'."));

        return app;
    }
}
