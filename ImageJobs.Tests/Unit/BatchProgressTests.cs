using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public class BatchProgressTests
{
    private static JobOutcome Outcome(string jobId, JobStatus status, string batchId = "b", int attempt = 1) =>
        new(1, jobId, batchId, status, null, null, status == JobStatus.Failed ? "image.corrupt" : null, null, attempt, false, "w", DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_started_job_is_in_flight_until_it_ends()
    {
        var progress = new BatchProgress("b", 3);

        Assert.True(progress.Apply(Outcome("j1", JobStatus.Started)));
        Assert.True(progress.Apply(Outcome("j2", JobStatus.Started)));
        Assert.False(progress.Apply(Outcome("j2", JobStatus.Started)));
        Assert.Equal(new BatchCounts(0, 0, 0, 2), progress.Counts);

        progress.Apply(Outcome("j1", JobStatus.Succeeded));
        progress.Apply(Outcome("j2", JobStatus.Failed));
        Assert.Equal(new BatchCounts(1, 1, 0, 0), progress.Counts);
    }

    [Fact]
    public void A_transient_failure_is_retrying_until_the_next_attempt_starts()
    {
        var progress = new BatchProgress("b", 1);
        progress.Apply(Outcome("j1", JobStatus.Started, attempt: 1));

        Assert.True(progress.Apply(Outcome("j1", JobStatus.Retrying, attempt: 1)));
        Assert.Equal((1, 0), (progress.Retrying, progress.InFlight));

        Assert.True(progress.Apply(Outcome("j1", JobStatus.Started, attempt: 2)));
        Assert.Equal((0, 1), (progress.Retrying, progress.InFlight));
        Assert.Equal(new BatchCounts(0, 0, 0, 1), progress.Counts);
    }

    [Fact]
    public void Progress_of_an_earlier_attempt_arriving_late_changes_nothing()
    {
        var progress = new BatchProgress("b", 1);
        progress.Apply(Outcome("j1", JobStatus.Retrying, attempt: 1));

        // The start of the attempt that was retried, overtaken by its own retry report.
        Assert.False(progress.Apply(Outcome("j1", JobStatus.Started, attempt: 1)));
        progress.Apply(Outcome("j1", JobStatus.Started, attempt: 2));
        Assert.False(progress.Apply(Outcome("j1", JobStatus.Retrying, attempt: 1)));
        Assert.Equal((0, 1), (progress.Retrying, progress.InFlight));
    }

    [Theory]
    [InlineData(JobStatus.Succeeded)]
    [InlineData(JobStatus.Failed)]
    public void Progress_never_reopens_an_ended_job(JobStatus end)
    {
        // Failures come from the dead-letter exchange, so a start can arrive after the failure it led to.
        var progress = new BatchProgress("b", 1);
        progress.Apply(Outcome("j1", end));

        Assert.False(progress.Apply(Outcome("j1", JobStatus.Started, attempt: 5)));
        Assert.False(progress.Apply(Outcome("j1", JobStatus.Retrying, attempt: 5)));
        Assert.Equal(new BatchCounts(end == JobStatus.Succeeded ? 1 : 0, end == JobStatus.Failed ? 1 : 0, 0, 0), progress.Counts);
    }

    [Fact]
    public void A_requeued_job_can_start_again_from_its_first_attempt()
    {
        var progress = new BatchProgress("b", 1);
        progress.Apply(Outcome("j1", JobStatus.Started, attempt: 3));
        progress.Apply(Outcome("j1", JobStatus.Failed, attempt: 3));
        progress.Apply(Outcome("j1", JobStatus.Requeued));

        Assert.True(progress.Apply(Outcome("j1", JobStatus.Started, attempt: 1)));
        Assert.Equal(new BatchCounts(0, 0, 0, 1), progress.Counts);
    }

    [Fact]
    public void A_duplicate_outcome_is_counted_once()
    {
        var progress = new BatchProgress("b", 2);

        Assert.True(progress.Apply(Outcome("j1", JobStatus.Succeeded)));
        Assert.False(progress.Apply(Outcome("j1", JobStatus.Succeeded)));

        Assert.Equal(new BatchCounts(1, 0, 0, 0), progress.Counts);
    }

    [Fact]
    public void A_success_is_final()
    {
        var progress = new BatchProgress("b", 1);
        progress.Apply(Outcome("j1", JobStatus.Succeeded));

        Assert.False(progress.Apply(Outcome("j1", JobStatus.Failed)));
        Assert.False(progress.Apply(Outcome("j1", JobStatus.Requeued)));
        Assert.Equal((1, 0), (progress.Succeeded, progress.Failed));
    }

    [Fact]
    public void A_requeued_failure_is_pending_until_its_new_outcome()
    {
        var progress = new BatchProgress("b", 2);
        progress.Apply(Outcome("j1", JobStatus.Succeeded));
        progress.Apply(Outcome("j2", JobStatus.Failed));
        Assert.Equal(new BatchCounts(1, 1, 0, 0), progress.Counts);

        Assert.True(progress.Apply(Outcome("j2", JobStatus.Requeued)));
        Assert.Equal(new BatchCounts(1, 0, 0, 0), progress.Counts);

        Assert.True(progress.Apply(Outcome("j2", JobStatus.Succeeded)));
        Assert.Equal(new BatchCounts(2, 0, 0, 0), progress.Counts);
    }

    [Fact]
    public void A_success_may_still_arrive_after_a_failure_was_recorded()
    {
        // A redelivered copy can succeed after another copy was dead-lettered: the result exists, so it counts.
        var progress = new BatchProgress("b", 1);
        progress.Apply(Outcome("j1", JobStatus.Failed));

        Assert.True(progress.Apply(Outcome("j1", JobStatus.Succeeded)));
        Assert.Equal((1, 0), (progress.Succeeded, progress.Failed));
    }

    [Fact]
    public void A_requeue_marker_for_an_unknown_job_changes_nothing() =>
        Assert.False(new BatchProgress("b", 1).Apply(Outcome("j1", JobStatus.Requeued)));

    [Fact]
    public void Outcomes_of_other_batches_are_ignored()
    {
        var progress = new BatchProgress("b", 1);

        Assert.False(progress.Apply(Outcome("j1", JobStatus.Succeeded, batchId: "other")));
        Assert.Equal(0, progress.Succeeded);
    }

    [Fact]
    public void The_unended_jobs_are_those_known_or_applied_with_no_end()
    {
        var progress = new BatchProgress("b", 3);
        progress.Know(Outcome(JobPlanner.JobId("b", 0), JobStatus.Succeeded));
        progress.Know(Outcome(JobPlanner.JobId("b", 1), JobStatus.Started));
        Assert.Equal([JobPlanner.JobId("b", 1), JobPlanner.JobId("b", 2)], progress.UnendedJobIds());

        progress.Apply(Outcome(JobPlanner.JobId("b", 1), JobStatus.Failed));
        progress.Apply(Outcome(JobPlanner.JobId("b", 2), JobStatus.Succeeded));
        Assert.Empty(progress.UnendedJobIds());
    }

    [Fact]
    public void Known_states_are_the_base_changes_and_count_deltas_are_measured_from()
    {
        // As stored: j1 in flight (counted by whichever replica stored it), j2 failed, j3 succeeded.
        var progress = new BatchProgress("b", 4);
        var started = Outcome("j1", JobStatus.Started);
        var failed = Outcome("j2", JobStatus.Failed);
        progress.Know(started);
        progress.Know(failed);
        progress.Know(Outcome("j3", JobStatus.Succeeded));

        Assert.True(progress.Apply(Outcome("j1", JobStatus.Succeeded)));
        Assert.True(progress.Apply(Outcome("j2", JobStatus.Requeued)));
        Assert.False(progress.Apply(Outcome("j3", JobStatus.Succeeded))); // a redelivered end
        Assert.True(progress.Apply(Outcome("j4", JobStatus.Started)));
        Assert.True(progress.Apply(Outcome("j4", JobStatus.Retrying)));

        Assert.Equal(new BatchCounts(1, -1, 1, -1), progress.Counts);
        Assert.Equal(
            [("j1", (JobStatus?)JobStatus.Started, JobStatus.Succeeded), ("j2", JobStatus.Failed, JobStatus.Requeued), ("j4", null, JobStatus.Retrying)],
            progress.Changes().Select(c => (c.JobId, c.Before?.Status, c.After.Status)));
        Assert.Same(started, progress.Changes()[0].Before);
        Assert.Equal(Outcome("j3", JobStatus.Succeeded), progress.StateOf("j3"));
    }

    [Fact]
    public void Counts_that_do_not_fit_the_total_say_so()
    {
        Assert.Null(new BatchCounts(2, 1, 1, 0).Inconsistency(4));
        Assert.Contains("do not fit its 4 jobs", new BatchCounts(3, 1, 1, 0).Inconsistency(4), StringComparison.Ordinal);
        Assert.NotNull(new BatchCounts(0, -1, 0, 0).Inconsistency(4));
        Assert.Equal(new BatchCounts(3, 1, 1, 1), new BatchCounts(1, 1, 0, 2) + new BatchCounts(2, 0, 1, -1));
    }

    [Fact]
    public void A_job_failed_as_lost_is_counted_succeeded_if_a_copy_still_succeeds()
    {
        var progress = new BatchProgress("b", 1);
        var lost = Outcome("j", JobStatus.Failed) with { ErrorCode = ErrorCodes.Lost };
        Assert.True(progress.Apply(lost));
        Assert.True(progress.Apply(Outcome("j", JobStatus.Succeeded)));
        Assert.Equal(new BatchCounts(1, 0, 0, 0), progress.Counts);
    }

    [Fact]
    public void A_job_failed_as_lost_takes_the_failure_of_a_copy_that_turns_up_but_not_the_other_way_round()
    {
        var progress = new BatchProgress("b", 2);
        var lost = Outcome("j1", JobStatus.Failed) with { ErrorCode = ErrorCodes.Lost };
        Assert.True(progress.Apply(lost));
        Assert.True(progress.Apply(Outcome("j1", JobStatus.Failed)));
        Assert.False(progress.Apply(lost));

        Assert.True(progress.Apply(Outcome("j2", JobStatus.Failed)));
        Assert.False(progress.Apply(lost with { JobId = "j2" }));
        Assert.Equal(["image.corrupt", "image.corrupt"], progress.Failures().Select(f => f.ErrorCode));
        Assert.Equal(2, progress.Failed);
    }
}
