using System.Text;
using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public sealed class OutcomeReaderTests
{
    private static readonly JobOutcome Valid = new(1, "b-000002", "b", JobStatus.Succeeded, "b/000002-x.jpg", 10, null, null, 1, false, "w1", DateTimeOffset.UnixEpoch.AddDays(1));

    private static OutcomeRead Read(string json) => OutcomeReader.Read(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_complete_report_is_read()
    {
        Assert.Equal(Valid, OutcomeReader.Read(JsonSerializer.SerializeToUtf8Bytes(Valid, JobJson.Default.JobOutcome)).Outcome);
    }

    [Theory]
    [InlineData("""{"schemaVersion":1}""", "batchId is missing; jobId is missing; worker is missing")]
    [InlineData("null", "JSON null")]
    [InlineData("[1]", "not JSON for a job report")]
    [InlineData("""{"schemaVersion":1,"jobId":"b-1","batchId":"b","status":"Exploded","worker":"w","completedAt":"2026-01-01T00:00:00Z"}""", "not JSON for a job report")]
    [InlineData("""{"schemaVersion":2,"jobId":"b-000001","batchId":"b","status":"Started","worker":"w","completedAt":"2026-01-01T00:00:00Z"}""", "schemaVersion 2 is not 1")]
    [InlineData("""{"schemaVersion":1,"jobId":"c-000001","batchId":"b","status":"Started","worker":"w","completedAt":"2026-01-01T00:00:00Z"}""", "is not a job of batch 'b'")]
    [InlineData("""{"schemaVersion":1,"jobId":"b-1","batchId":"b","status":"Started","worker":"w","completedAt":"2026-01-01T00:00:00Z"}""", "is not a job of batch 'b'")]
    [InlineData("""{"schemaVersion":1,"jobId":"b-000001","batchId":"b","status":"Succeeded","worker":"w","completedAt":"2026-01-01T00:00:00Z"}""", "a success names its result")]
    [InlineData("""{"schemaVersion":1,"jobId":"b-000001","batchId":"b","status":"Failed","worker":"w","completedAt":"2026-01-01T00:00:00Z"}""", "a failure names its code")]
    [InlineData("""{"schemaVersion":1,"jobId":"b-000001","batchId":"b","status":"Requeued","worker":"w","completedAt":"2026-01-01T00:00:00Z"}""", "recorded by the producer")]
    [InlineData("""{"schemaVersion":1,"jobId":"b-000001","batchId":"b","status":"Started","worker":"w","attempt":-1,"completedAt":"2026-01-01T00:00:00Z"}""", "attempt -1 is negative")]
    [InlineData("""{"schemaVersion":1,"jobId":"b-000001","batchId":"b","status":"Started","worker":"w"}""", "completedAt is missing")]
    public void An_incomplete_or_inconsistent_report_is_refused_with_every_reason(string json, string reason)
    {
        var read = Read(json);
        Assert.Null(read.Outcome);
        Assert.Contains(reason, read.Invalid, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_report_is_refused_unread()
    {
        var read = OutcomeReader.Read(new byte[OutcomeReader.MaxBytes + 1]);
        Assert.Contains("at most", read.Invalid, StringComparison.Ordinal);
    }

    [Fact]
    public void A_requeue_marker_is_valid_in_the_log_only()
    {
        var marker = JsonSerializer.SerializeToUtf8Bytes(Valid with { Status = JobStatus.Requeued, ResultBlob = null }, JobJson.Default.JobOutcome);
        Assert.Null(OutcomeReader.Read(marker).Outcome);
        Assert.NotNull(OutcomeReader.Read(marker, fromLog: true).Outcome);
    }

    [Theory]
    [InlineData("b", "b-000000", 0)]
    [InlineData("b", "b-012345", 12345)]
    [InlineData("key-ab", "key-ab-100000", 100000)]
    [InlineData("b", "b-00001", null)]
    [InlineData("b", "b-+00001", null)]
    [InlineData("b", "bb-000001", null)]
    [InlineData("b", "b_000001", null)]
    public void A_job_id_names_its_index_in_its_batch(string batchId, string jobId, int? index) =>
        Assert.Equal(index, JobPlanner.TryReadIndex(batchId, jobId));
}
