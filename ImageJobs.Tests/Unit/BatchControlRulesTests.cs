using System.Text;
using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;
using ImageJobs.Storage;

namespace ImageJobs.Tests.Unit;

/// <summary>Cancel, pause and resume as pure rules: which moves make sense, and how held and cancelled jobs count.</summary>
[Trait("Category", "Unit")]
public sealed class BatchControlRulesTests
{
    private static JobOutcome Outcome(string jobId, JobStatus status, int attempt = 1) =>
        new(1, jobId, "b", status, status == JobStatus.Succeeded ? "b/1.jpg" : null, null, status == JobStatus.Failed ? "image.corrupt" : null, null,
            attempt, false, "w", DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData(BatchControlState.Running, false, BatchControlState.Paused, BatchControlState.Paused)]
    [InlineData(BatchControlState.Running, false, BatchControlState.Cancelled, BatchControlState.Cancelled)]
    [InlineData(BatchControlState.Paused, false, BatchControlState.Running, BatchControlState.Running)]
    [InlineData(BatchControlState.Paused, false, BatchControlState.Cancelled, BatchControlState.Cancelled)]
    public void A_move_that_makes_sense_changes_the_state(BatchControlState current, bool finished, BatchControlState requested, BatchControlState to)
    {
        var move = BatchControlRules.Move(current, finished, requested);
        Assert.Equal((to, false), (move.To, move.IsRefused));
    }

    [Theory]
    [InlineData(BatchControlState.Running, BatchControlState.Running)]
    [InlineData(BatchControlState.Paused, BatchControlState.Paused)]
    [InlineData(BatchControlState.Cancelled, BatchControlState.Cancelled)]
    public void Asking_for_the_state_the_batch_is_in_changes_nothing_and_is_no_error(BatchControlState current, BatchControlState requested)
    {
        var move = BatchControlRules.Move(current, finished: false, requested);
        Assert.Equal(((BatchControlState?)null, false), (move.To, move.IsRefused));
        Assert.False(BatchControlRules.Move(BatchControlState.Cancelled, finished: true, BatchControlState.Cancelled).IsRefused);
    }

    [Theory]
    [InlineData(BatchControlState.Cancelled, false, BatchControlState.Running, BatchControlCodes.Cancelled)]
    [InlineData(BatchControlState.Cancelled, false, BatchControlState.Paused, BatchControlCodes.Cancelled)]
    [InlineData(BatchControlState.Cancelled, true, BatchControlState.Running, BatchControlCodes.Cancelled)]
    [InlineData(BatchControlState.Running, true, BatchControlState.Running, BatchControlCodes.Finished)]
    [InlineData(BatchControlState.Running, true, BatchControlState.Paused, BatchControlCodes.Finished)]
    [InlineData(BatchControlState.Running, true, BatchControlState.Cancelled, BatchControlCodes.Finished)]
    public void A_move_that_makes_no_sense_is_refused_with_its_code(BatchControlState current, bool finished, BatchControlState requested, string code)
    {
        var move = BatchControlRules.Move(current, finished, requested);
        Assert.Equal((code, (BatchControlState?)null), (move.RefusalCode, move.To));
        Assert.False(string.IsNullOrWhiteSpace(move.Refusal));
    }

    [Fact]
    public void A_held_job_is_pending_until_released_and_a_cancelled_one_has_ended()
    {
        var progress = new BatchProgress("b", 3);
        Assert.True(progress.Apply(Outcome("b-000000", JobStatus.Held)));
        Assert.True(progress.Apply(Outcome("b-000001", JobStatus.Cancelled)));
        Assert.Equal(new BatchCounts(0, 0, 0, 0, Cancelled: 1, Held: 1), progress.Counts);
        Assert.Equal(2, progress.UnendedJobIds().Count);

        // Released on resume: pending again, then started and succeeded as any job.
        Assert.True(progress.Apply(Outcome("b-000000", JobStatus.Requeued, attempt: 0)));
        Assert.True(progress.Apply(Outcome("b-000000", JobStatus.Started)));
        Assert.True(progress.Apply(Outcome("b-000000", JobStatus.Succeeded)));
        Assert.Equal(new BatchCounts(1, 0, 0, 0, Cancelled: 1), progress.Counts);
        Assert.Single(progress.UnendedJobIds());
    }

    [Fact]
    public void A_cancel_gives_way_only_to_a_copy_that_rendered_and_never_reopens_an_end()
    {
        var progress = new BatchProgress("b", 1);
        progress.Apply(Outcome("b-000000", JobStatus.Cancelled));
        Assert.False(progress.Apply(Outcome("b-000000", JobStatus.Started, attempt: 5)));
        Assert.False(progress.Apply(Outcome("b-000000", JobStatus.Held, attempt: 5)));
        Assert.False(progress.Apply(Outcome("b-000000", JobStatus.Requeued, attempt: 0)));
        Assert.False(progress.Apply(Outcome("b-000000", JobStatus.Failed)));
        Assert.True(progress.Apply(Outcome("b-000000", JobStatus.Succeeded)));
        Assert.Equal(new BatchCounts(1, 0, 0, 0), progress.Counts);

        // An end is never held or cancelled after it.
        var failed = new BatchProgress("b", 1);
        failed.Apply(Outcome("b-000000", JobStatus.Failed));
        Assert.False(failed.Apply(Outcome("b-000000", JobStatus.Cancelled)));
        Assert.False(failed.Apply(Outcome("b-000000", JobStatus.Held, attempt: 9)));
    }

    [Fact]
    public void A_job_held_on_a_later_attempt_supersedes_the_earlier_start_but_a_late_earlier_report_does_not_unhold_it()
    {
        var progress = new BatchProgress("b", 1);
        progress.Apply(Outcome("b-000000", JobStatus.Retrying, attempt: 1));
        Assert.True(progress.Apply(Outcome("b-000000", JobStatus.Started, attempt: 2)));
        // A worker reports the start, then finds the batch paused.
        Assert.True(progress.Apply(Outcome("b-000000", JobStatus.Held, attempt: 2)));
        Assert.False(progress.Apply(Outcome("b-000000", JobStatus.Started, attempt: 2)));
        Assert.False(progress.Apply(Outcome("b-000000", JobStatus.Started, attempt: 1)));
        Assert.False(progress.Apply(Outcome("b-000000", JobStatus.Retrying, attempt: 1)));
        Assert.Equal(new BatchCounts(0, 0, 0, 0, Held: 1), progress.Counts);
    }

    [Theory]
    [InlineData(false, 0, BatchControlState.Running, BatchStates.Running)]
    [InlineData(false, 0, BatchControlState.Paused, BatchStates.Paused)]
    [InlineData(false, 3, BatchControlState.Cancelled, BatchStates.Cancelling)]
    [InlineData(true, 3, BatchControlState.Cancelled, BatchStates.Cancelled)]
    [InlineData(true, 0, BatchControlState.Cancelled, BatchStates.Completed)]
    [InlineData(true, 0, BatchControlState.Running, BatchStates.Completed)]
    public void The_state_says_what_the_counts_and_control_say(bool done, int cancelled, BatchControlState control, string state) =>
        Assert.Equal(state, BatchStates.Of(done, cancelled, control));

    [Theory]
    [InlineData("""{"schemaVersion":1,"batchId":"b","state":"Paused","changedAt":"2026-12-01T00:00:00Z"}""", BatchControlState.Paused)]
    [InlineData("""{"schemaVersion":1,"batchId":"b","state":"Cancelled","changedAt":"2026-12-01T00:00:00Z"}""", BatchControlState.Cancelled)]
    [InlineData("""{"schemaVersion":1,"batchId":"other","state":"Cancelled","changedAt":"2026-12-01T00:00:00Z"}""", BatchControlState.Running)]
    [InlineData("""{"schemaVersion":2,"batchId":"b","state":"Cancelled","changedAt":"2026-12-01T00:00:00Z"}""", BatchControlState.Running)]
    [InlineData("""{"schemaVersion":1,"batchId":"b","state":"Exploded","changedAt":"2026-12-01T00:00:00Z"}""", BatchControlState.Running)]
    [InlineData("""{"schemaVersion":1,"batchId":"b","state":7}""", BatchControlState.Running)]
    [InlineData("not json", BatchControlState.Running)]
    [InlineData("null", BatchControlState.Running)]
    public void A_worker_reads_a_control_as_untrusted_and_anything_but_ours_as_running(string json, BatchControlState expected) =>
        Assert.Equal(expected, BatchControls.Parse(Encoding.UTF8.GetBytes(json), "b"));

    [Theory]
    [InlineData("Held")]
    [InlineData("Cancelled")]
    public void The_producer_reads_a_held_or_cancelled_report_from_a_worker(string status)
    {
        var read = OutcomeReader.Read(Encoding.UTF8.GetBytes(
            $$"""{"schemaVersion":1,"jobId":"b-000001","batchId":"b","status":"{{status}}","attempt":1,"worker":"w","completedAt":"2026-12-01T00:00:00Z"}"""));
        Assert.Null(read.Invalid);
        Assert.Equal(Enum.Parse<JobStatus>(status), read.Outcome!.Status);
    }
}
