using ImageJobs.Contracts;
using ImageJobs.Producer.Access;
using ImageJobs.Producer.Batches;

namespace ImageJobs.Producer.Control;

public static class BatchControlEndpoints
{
    public static IHostApplicationBuilder AddBatchControl(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ControlSweepOptions>().BindConfiguration(ControlSweepOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<HeldJobs>();
        builder.Services.AddSingleton<BatchController>();
        builder.Services.AddHostedService<ControlSweeper>();
        return builder;
    }

    /// <summary>
    /// Cancel, pause and resume, each idempotent. Scope <c>submit</c>: whoever may start a batch may
    /// stop it (a wrong 40,000-image batch should not wait for an admin); none of them touches
    /// another batch, keys or settings.
    /// </summary>
    public static IEndpointRouteBuilder MapBatchControlEndpoints(this IEndpointRouteBuilder app)
    {
        var batches = app.MapGroup("/api/batches").WithTags("Batches");
        Map(batches, "cancel", BatchControlState.Cancelled, "CancelBatch",
            "Cancel a batch: its jobs not yet rendered end as cancelled, without rendering");
        Map(batches, "pause", BatchControlState.Paused, "PauseBatch",
            "Pause a batch: its jobs not yet rendered are held (not lost) until it is resumed");
        Map(batches, "resume", BatchControlState.Running, "ResumeBatch",
            "Resume a paused batch: its held jobs are published again");
        return app;
    }

    private static void Map(RouteGroupBuilder batches, string action, BatchControlState state, string name, string summary) =>
        batches.MapPost($"/{{batchId}}/{action}", async (string batchId, BatchController controller, CancellationToken cancellationToken) =>
        {
            if (!BatchEndpoints.IsBatchId(batchId))
            {
                return BatchEndpoints.NoBatch(batchId);
            }

            try
            {
                return await controller.ChangeAsync(batchId, state, cancellationToken) switch
                {
                    null => BatchEndpoints.NoBatch(batchId),
                    { RefusalCode: { } code } refused => Conflict(refused.Refusal!, code, refused.Status.State),
                    var changed => Results.Ok(changed.Status),
                };
            }
            catch (DamagedBatchException ex)
            {
                return Conflict($"Batch '{batchId}' cannot be read ({ex.Damage}); it is left as it is.", BatchControlCodes.Damaged, null);
            }
        })
            .RequireScope(ApiScopes.Submit)
            .WithName(name)
            .WithSummary(summary)
            .WithDescription("Idempotent: asking again for the state the batch is in changes nothing. A move that makes no sense "
                + $"(resume or pause a cancelled batch: {BatchControlCodes.Cancelled}; any control of a batch whose jobs have all ended: "
                + $"{BatchControlCodes.Finished}) is a 409 whose code says which.")
            .Produces<BatchStatus>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

    private static IResult Conflict(string title, string code, string? state) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: title,
            extensions: new Dictionary<string, object?> { ["code"] = code, ["state"] = state });
}
