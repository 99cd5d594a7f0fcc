using ImageJobs.Contracts;

namespace ImageJobs.Producer.Batches;

/// <summary>The codes of a control request that makes no sense (a 409's <c>code</c>).</summary>
public static class BatchControlCodes
{
    /// <summary>The batch is cancelled: it can be neither paused nor resumed.</summary>
    public const string Cancelled = "batch.cancelled";

    /// <summary>Every job of the batch has ended: there is nothing to pause, resume or cancel.</summary>
    public const string Finished = "batch.finished";

    /// <summary>The batch's stored record cannot be read: its state is not known, so it is not changed.</summary>
    public const string Damaged = "batch.damaged";
}

/// <summary>What a control request does: change the batch's state, leave it (asked again: idempotent), or be refused with a code.</summary>
public readonly record struct ControlMove(BatchControlState? To, string? RefusalCode, string? Refusal)
{
    public bool IsRefused => RefusalCode is not null;

    public static ControlMove Unchanged => default;
}

/// <summary>
/// Which control requests make sense, pure. Asking for the state a batch is in changes nothing and
/// succeeds (a retried request is harmless). A cancelled batch is never paused or resumed again, and
/// a finished one takes no control at all (cancelling a cancelled one is still a harmless repeat).
/// </summary>
public static class BatchControlRules
{
    public static ControlMove Move(BatchControlState current, bool finished, BatchControlState requested)
    {
        if (current == BatchControlState.Cancelled)
        {
            return requested == BatchControlState.Cancelled
                ? ControlMove.Unchanged
                : new(null, BatchControlCodes.Cancelled, $"The batch is cancelled: it cannot be {Verb(requested)}d.");
        }

        if (finished)
        {
            return new(null, BatchControlCodes.Finished, $"Every job of the batch has ended: there is nothing left to {Verb(requested)}.");
        }

        return requested == current ? ControlMove.Unchanged : new(requested, null, null);
    }

    private static string Verb(BatchControlState requested) => requested switch
    {
        BatchControlState.Paused => "pause",
        BatchControlState.Cancelled => "cancel",
        _ => "resume",
    };
}
