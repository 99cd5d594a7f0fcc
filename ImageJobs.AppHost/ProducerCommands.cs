namespace ImageJobs.AppHost;

/// <summary>Buttons on the producer in the dashboard; each calls an operator endpoint of the producer.</summary>
public static class ProducerCommands
{
    /// <summary>The AppHost setting that puts the producer behind a key locally (unset: no key, as in Development by default).</summary>
    public const string AccessKeyParameter = "producer-access-key";

    /// <summary>The producer's access key as a secret parameter, when one is set; null otherwise.</summary>
    public static IResourceBuilder<ParameterResource>? AddProducerAccessKey(this IDistributedApplicationBuilder builder) =>
        builder.Configuration[$"Parameters:{AccessKeyParameter}"] is { Length: > 0 } ? builder.AddParameter(AccessKeyParameter, secret: true) : null;

    /// <summary>Gives the producer its key (Access:Key) and the dashboard's commands the same key to send.</summary>
    public static IResourceBuilder<ProjectResource> WithOperatorCommands(this IResourceBuilder<ProjectResource> producer, IResourceBuilder<ParameterResource>? accessKey)
    {
        if (accessKey is not null)
        {
            producer.WithEnvironment("Access__Key", accessKey);
        }

        var sendKey = SendKey(accessKey?.Resource);
        return producer
            .WithHttpCommand("/api/operator/demo-batch", "Submit demo batch", commandName: "submit-demo-batch",
                commandOptions: new HttpCommandOptions
                {
                    Description = "Submits a batch of every sample image (samples/), captioned with its name.",
                    IconName = "Play",
                    IsHighlighted = true,
                    PrepareRequest = sendKey,
                })
            .WithHttpCommand("/api/operator/requeue-latest", "Requeue failed jobs of latest batch", commandName: "requeue-latest-failures",
                commandOptions: new HttpCommandOptions
                {
                    Description = "Sends the dead-lettered jobs of the newest batch back to the workers.",
                    IconName = "ArrowRepeatAll",
                    ConfirmationMessage = "Requeue every failed job of the latest batch?",
                    PrepareRequest = sendKey,
                })
            .WithHttpCommand("/api/operator/pause-latest", "Pause latest batch", commandName: "pause-latest-batch",
                commandOptions: new HttpCommandOptions
                {
                    Description = "Holds the newest batch's jobs not yet rendered until it is resumed.",
                    IconName = "Pause",
                    PrepareRequest = sendKey,
                })
            .WithHttpCommand("/api/operator/resume-latest", "Resume latest batch", commandName: "resume-latest-batch",
                commandOptions: new HttpCommandOptions
                {
                    Description = "Sends the newest batch's held jobs back to the workers.",
                    IconName = "Play",
                    PrepareRequest = sendKey,
                })
            .WithHttpCommand("/api/operator/cancel-latest", "Cancel latest batch", commandName: "cancel-latest-batch",
                commandOptions: new HttpCommandOptions
                {
                    Description = "Ends the newest batch's jobs not yet rendered as cancelled, without rendering them.",
                    IconName = "Dismiss",
                    ConfirmationMessage = "Cancel the latest batch? Its jobs not yet rendered will not be rendered.",
                    PrepareRequest = sendKey,
                });
    }

    /// <summary>Puts the key on a command's request as a bearer token (what the producer takes from scripts); nothing without a key.</summary>
    public static Func<HttpCommandRequestContext, Task> SendKey(ParameterResource? accessKey) => async context =>
    {
        if (accessKey is not null && await accessKey.GetValueAsync(context.CancellationToken) is { Length: > 0 } key)
        {
            context.Request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }
    };
}
