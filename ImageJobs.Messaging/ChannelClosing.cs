using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ImageJobs.Messaging;

public static class ChannelClosing
{
    /// <summary>
    /// Closes a channel that may already be dead, waiting at most 5 s: closing a channel whose
    /// connection is recovering can otherwise wait a long time.
    /// </summary>
    public static async Task CloseQuietlyAsync(this IChannel? channel)
    {
        if (channel is null)
        {
            return;
        }

        try
        {
            await channel.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException)
        {
            // Already dead: nothing to release.
        }
    }
}
