using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public class BatchTailTests
{
    private static JobOutcome Outcome(int index, JobStatus status, string batchId = "b") =>
        new(1, JobPlanner.JobId(batchId, index), batchId, status, null, null, null, null, 1, false, "w", DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData(96, JobStatus.Succeeded, true)]
    [InlineData(99, JobStatus.Failed, true)]
    [InlineData(97, JobStatus.Cancelled, true)]
    [InlineData(95, JobStatus.Succeeded, false)]
    [InlineData(0, JobStatus.Succeeded, false)]
    [InlineData(99, JobStatus.Started, false)]
    [InlineData(99, JobStatus.Retrying, false)]
    [InlineData(100, JobStatus.Succeeded, false)]
    public void Only_the_end_of_one_of_the_last_jobs_of_a_batch_ends_its_tail(int index, JobStatus status, bool ends) =>
        Assert.Equal(ends, BatchTail.Ends(Outcome(index, status), 100, tailJobs: 4));

    [Fact]
    public void Every_job_of_a_batch_shorter_than_the_tail_is_in_it_and_a_tail_of_none_ends_nothing()
    {
        Assert.True(BatchTail.Ends(Outcome(0, JobStatus.Succeeded), 3, tailJobs: 16));
        Assert.False(BatchTail.Ends(Outcome(2, JobStatus.Succeeded), 3, tailJobs: 0));
    }

    [Fact]
    public void A_report_of_a_batch_whose_total_is_not_known_here_or_of_no_job_of_it_ends_nothing()
    {
        Assert.False(BatchTail.Ends(Outcome(2, JobStatus.Succeeded), null, tailJobs: 16));
        Assert.False(BatchTail.Ends(Outcome(2, JobStatus.Succeeded) with { JobId = "other-000002" }, 3, tailJobs: 16));
    }
}
