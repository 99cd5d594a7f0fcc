using ImageJobs.Producer.Batches;
using ImageJobs.Worker.Contracts;

namespace ImageJobs.Tests.Unit;

public class BatchProgressTests
{
    private static JobOutcome Outcome(string jobId, JobStatus status, string batchId = "b") =>
        new(1, jobId, batchId, status, null, null, status == JobStatus.Failed ? "image.corrupt" : null, null, 1, false, "w", DateTimeOffset.UnixEpoch);

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
    public void A_success_replaces_a_failure_but_not_the_other_way_round()
    {
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 1);
        progress.Apply(Outcome("j1", JobStatus.Failed));
        Assert.True(progress.Apply(Outcome("j1", JobStatus.Succeeded)));
        Assert.False(progress.Apply(Outcome("j1", JobStatus.Failed)));

        Assert.Equal((1, 0), (progress.Succeeded, progress.Failed));
    }

    [Fact]
    public void Outcomes_of_other_batches_are_ignored()
    {
        var progress = new BatchProgress("b", DateTimeOffset.UnixEpoch, 1);

        Assert.False(progress.Apply(Outcome("j1", JobStatus.Succeeded, batchId: "other")));
        Assert.Equal(0, progress.Succeeded);
    }
}
