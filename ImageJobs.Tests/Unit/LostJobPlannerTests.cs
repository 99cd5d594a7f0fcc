using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public class LostJobPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly LostJobRules Rules = new(TimeSpan.FromMinutes(10), Republishes: 2);

    private static StoredJob Job(int index, int republished = 0, TimeSpan? republishedAgo = null, JobStatus? status = null) =>
        new(index, JobPlanner.JobId("b", index),
            status is { } s ? new JobOutcome(1, JobPlanner.JobId("b", index), "b", s, null, null, null, null, 1, false, "w", Now) : null,
            republished, republishedAgo is { } ago ? Now - ago : null, null);

    private static HashSet<int> Defined(params int[] indexes) => [.. indexes];

    [Fact]
    public void A_lost_job_under_the_bound_is_republished_when_its_definition_is_read()
    {
        var jobs = new[] { Job(0), Job(1, republished: 1, republishedAgo: TimeSpan.FromMinutes(11)), Job(2, status: JobStatus.Started) };

        Assert.Equal([0, 1, 2], LostJobPlanner.Due(jobs, Rules, Now).Select(j => j.Index));
        var plan = LostJobPlanner.Plan(jobs, Rules, Now, Defined(0, 1, 2), null);

        Assert.Equal([0, 1, 2], plan.Republish.Select(j => j.Index));
        Assert.Empty(plan.Fail);
        Assert.Empty(plan.Waiting);
    }

    [Fact]
    public void A_job_republished_less_than_the_quiet_period_ago_waits_for_its_copy()
    {
        var jobs = new[] { Job(0, republished: 1, republishedAgo: TimeSpan.FromMinutes(9)) };

        Assert.Empty(LostJobPlanner.Due(jobs, Rules, Now));
        var plan = LostJobPlanner.Plan(jobs, Rules, Now, Defined(0), null);

        Assert.Equal([0], plan.Waiting.Select(j => j.Index));
        Assert.Empty(plan.Republish);
        Assert.Empty(plan.Fail);
    }

    [Fact]
    public void Past_the_bound_a_job_is_failed_as_lost_with_a_reason_that_says_so()
    {
        var jobs = new[] { Job(0, republished: 2, republishedAgo: TimeSpan.FromMinutes(10)) };

        Assert.Empty(LostJobPlanner.Due(jobs, Rules, Now));
        var plan = LostJobPlanner.Plan(jobs, Rules, Now, Defined(0), null);

        var lost = Assert.Single(plan.Fail);
        Assert.Equal(0, lost.Job.Index);
        Assert.Contains("no queue holds it", lost.Reason, StringComparison.Ordinal);
        Assert.Contains("lost again after each of its 2 republishes from the batch's definition (LostJobs:Republishes is 2)", lost.Reason, StringComparison.Ordinal);
        Assert.Empty(plan.Republish);
    }

    [Fact]
    public void With_republishing_off_a_lost_job_is_failed_at_once()
    {
        var plan = LostJobPlanner.Plan([Job(0)], Rules with { Republishes = 0 }, Now, Defined(0), null);

        Assert.Contains("republishing is off (LostJobs:Republishes is 0)", Assert.Single(plan.Fail).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_job_whose_definition_cannot_be_read_is_failed_with_why_and_the_others_are_republished()
    {
        var plan = LostJobPlanner.Plan([Job(0), Job(1)], Rules, Now, Defined(1), "the batch's stored definition holds 1 of its 2 jobs");

        Assert.Equal([1], plan.Republish.Select(j => j.Index));
        var lost = Assert.Single(plan.Fail);
        Assert.Equal(0, lost.Job.Index);
        Assert.Contains("cannot be republished: the batch's stored definition holds 1 of its 2 jobs", lost.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Ended_jobs_are_left_alone()
    {
        var plan = LostJobPlanner.Plan([Job(0, status: JobStatus.Succeeded), Job(1, status: JobStatus.Failed, republished: 5)], Rules, Now, Defined(), null);

        Assert.Empty(plan.Republish);
        Assert.Empty(plan.Fail);
        Assert.Empty(plan.Waiting);
    }
}
