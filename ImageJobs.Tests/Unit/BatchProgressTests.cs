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
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 3);

        Assert.True(progress.Apply(Outcome("j1", JobStatus.Started)));
        Assert.True(progress.Apply(Outcome("j2", JobStatus.Started)));
        Assert.False(progress.Apply(Outcome("j2", JobStatus.Started)));
        Assert.Equal(new ActiveBatch("b", 0, 0, 1, 0, 2), progress.Counts());

        progress.Apply(Outcome("j1", JobStatus.Succeeded));
        progress.Apply(Outcome("j2", JobStatus.Failed));
        var status = progress.Snapshot();
        Assert.Equal((1, 1, 1, 0, 0), (status.Succeeded, status.Failed, status.Pending, status.Retrying, status.InFlight));
    }

    [Fact]
    public void A_transient_failure_is_retrying_until_the_next_attempt_starts()
    {
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 1);
        progress.Apply(Outcome("j1", JobStatus.Started, attempt: 1));

        Assert.True(progress.Apply(Outcome("j1", JobStatus.Retrying, attempt: 1)));
        Assert.Equal((1, 0), (progress.Retrying, progress.InFlight));

        Assert.True(progress.Apply(Outcome("j1", JobStatus.Started, attempt: 2)));
        Assert.Equal((0, 1), (progress.Retrying, progress.InFlight));
        Assert.Equal(1, progress.Snapshot().Pending);
    }

    [Fact]
    public void Progress_of_an_earlier_attempt_arriving_late_changes_nothing()
    {
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 1);
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
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 1);
        progress.Apply(Outcome("j1", end));

        Assert.False(progress.Apply(Outcome("j1", JobStatus.Started, attempt: 5)));
        Assert.False(progress.Apply(Outcome("j1", JobStatus.Retrying, attempt: 5)));
        Assert.Equal((0, 0, true), (progress.Retrying, progress.InFlight, progress.Done));
    }

    [Fact]
    public void A_requeued_job_can_start_again_from_its_first_attempt()
    {
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 1);
        progress.Apply(Outcome("j1", JobStatus.Started, attempt: 3));
        progress.Apply(Outcome("j1", JobStatus.Failed, attempt: 3));
        progress.Apply(Outcome("j1", JobStatus.Requeued));

        Assert.True(progress.Apply(Outcome("j1", JobStatus.Started, attempt: 1)));
        Assert.Equal(new ActiveBatch("b", 0, 0, 0, 0, 1), progress.Counts());
    }

    [Fact]
    public void A_duplicate_outcome_is_counted_once()
    {
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 2);

        Assert.True(progress.Apply(Outcome("j1", JobStatus.Succeeded)));
        Assert.False(progress.Apply(Outcome("j1", JobStatus.Succeeded)));

        Assert.Equal(1, progress.Succeeded);
        Assert.False(progress.Done);
    }

    [Fact]
    public void Done_when_succeeded_and_failed_add_up_to_total()
    {
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 2);
        progress.Apply(Outcome("j1", JobStatus.Succeeded));
        progress.Apply(Outcome("j2", JobStatus.Failed));

        var status = progress.Snapshot();
        Assert.True(status.Done);
        Assert.Equal((1, 1, 0), (status.Succeeded, status.Failed, status.Pending));
        Assert.Equal("image.corrupt", Assert.Single(status.Failures).ErrorCode);
    }

    [Fact]
    public void A_success_is_final()
    {
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 1);
        progress.Apply(Outcome("j1", JobStatus.Succeeded));

        Assert.False(progress.Apply(Outcome("j1", JobStatus.Failed)));
        Assert.False(progress.Apply(Outcome("j1", JobStatus.Requeued)));
        Assert.Equal((1, 0), (progress.Succeeded, progress.Failed));
    }

    [Fact]
    public void A_requeued_failure_is_pending_until_its_new_outcome()
    {
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 2);
        progress.Apply(Outcome("j1", JobStatus.Succeeded));
        progress.Apply(Outcome("j2", JobStatus.Failed));
        Assert.True(progress.Done);

        Assert.True(progress.Apply(Outcome("j2", JobStatus.Requeued)));
        Assert.False(progress.Done);
        Assert.Equal((1, 0, 1), (progress.Succeeded, progress.Failed, progress.Snapshot().Pending));

        Assert.True(progress.Apply(Outcome("j2", JobStatus.Succeeded)));
        Assert.Equal((2, 0), (progress.Succeeded, progress.Failed));
        Assert.True(progress.Done);
    }

    [Fact]
    public void A_success_may_still_arrive_after_a_failure_was_recorded()
    {
        // A redelivered copy can succeed after another copy was dead-lettered: the result exists, so it counts.
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 1);
        progress.Apply(Outcome("j1", JobStatus.Failed));

        Assert.True(progress.Apply(Outcome("j1", JobStatus.Succeeded)));
        Assert.Equal((1, 0), (progress.Succeeded, progress.Failed));
    }

    [Fact]
    public void A_requeue_marker_for_an_unknown_job_changes_nothing() =>
        Assert.False(new BatchProgress("b", DateTimeOffset.UnixEpoch, 1).Apply(Outcome("j1", JobStatus.Requeued)));

    [Fact]
    public void Outcomes_of_other_batches_are_ignored()
    {
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 1);

        Assert.False(progress.Apply(Outcome("j1", JobStatus.Succeeded, batchId: "other")));
        Assert.Equal(0, progress.Succeeded);
    }

    [Fact]
    public void A_batch_nothing_was_heard_of_for_a_while_is_quiet_and_names_its_unended_jobs()
    {
        var start = DateTimeOffset.UnixEpoch;
        var quietFor = TimeSpan.FromMinutes(10);
        var progress = new BatchProgress("b", start, 3);
        Assert.False(progress.IsQuiet(start + TimeSpan.FromMinutes(9), quietFor));
        Assert.True(progress.IsQuiet(start + quietFor, quietFor));

        progress.Heard(start + TimeSpan.FromMinutes(5));
        Assert.False(progress.IsQuiet(start + quietFor, quietFor));
        progress.Heard(start + TimeSpan.FromMinutes(1)); // an older time moves nothing back
        Assert.True(progress.IsQuiet(start + TimeSpan.FromMinutes(15), quietFor));

        progress.Apply(Outcome(JobPlanner.JobId("b", 0), JobStatus.Succeeded));
        progress.Apply(Outcome(JobPlanner.JobId("b", 1), JobStatus.Started));
        Assert.Equal([JobPlanner.JobId("b", 1), JobPlanner.JobId("b", 2)], progress.UnendedJobIds());

        progress.Apply(Outcome(JobPlanner.JobId("b", 1), JobStatus.Failed));
        progress.Apply(Outcome(JobPlanner.JobId("b", 2), JobStatus.Succeeded));
        Assert.Empty(progress.UnendedJobIds());
        Assert.False(progress.IsQuiet(start + TimeSpan.FromDays(1), quietFor));
    }

    [Fact]
    public void A_job_failed_as_lost_is_counted_succeeded_if_a_copy_still_succeeds()
    {
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 1);
        var lost = Outcome("j", JobStatus.Failed) with { ErrorCode = ErrorCodes.Lost };
        Assert.True(progress.Apply(lost));
        Assert.True(progress.Apply(Outcome("j", JobStatus.Succeeded)));
        Assert.Equal((1, 0, true), (progress.Succeeded, progress.Failed, progress.Done));
    }

    [Fact]
    public void A_job_failed_as_lost_takes_the_failure_of_a_copy_that_turns_up_but_not_the_other_way_round()
    {
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 2);
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
