namespace ImageJobs.AppHost;

/// <summary>Buttons on the producer in the dashboard; each calls an operator endpoint of the producer.</summary>
public static class ProducerCommands
{
    public static IResourceBuilder<ProjectResource> WithOperatorCommands(this IResourceBuilder<ProjectResource> producer) => producer
        .WithHttpCommand("/api/operator/demo-batch", "Submit demo batch", commandName: "submit-demo-batch",
            commandOptions: new HttpCommandOptions
            {
                Description = "Submits a batch of every sample image (samples/), captioned with its name.",
                IconName = "Play",
                IsHighlighted = true,
            })
        .WithHttpCommand("/api/operator/requeue-latest", "Requeue failed jobs of latest batch", commandName: "requeue-latest-failures",
            commandOptions: new HttpCommandOptions
            {
                Description = "Sends the dead-lettered jobs of the newest batch back to the workers.",
                IconName = "ArrowRepeatAll",
                ConfirmationMessage = "Requeue every failed job of the latest batch?",
            });
}
