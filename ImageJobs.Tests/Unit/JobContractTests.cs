using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Styles;
using ImageJobs.Rendering;
using ImageJobs.Worker.Processing;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public class JobContractTests
{
    private static readonly RenderJob Job = new(RenderJob.CaptionSchemaVersion, "b1-000007", "b1", 7, "in/cat.jpg", "Hello", "b1/000007-cat.jpg",
        null, new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Job_message_has_the_documented_json_shape()
    {
        using var json = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(Job, JobJson.Default.RenderJob));
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToArray();

        Assert.Equal(["schemaVersion", "jobId", "batchId", "index", "sourceBlob", "text", "resultBlob", "createdAt"], names);
        Assert.Equal(1, json.RootElement.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("2026-11-27T08:00:00+00:00", json.RootElement.GetProperty("createdAt").GetString());
    }

    [Fact]
    public void Job_message_round_trips_with_a_style()
    {
        var job = Job with { Style = new JobStyle(Color: "#FF000080") };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(job, JobJson.Default.RenderJob);

        Assert.Equal(job, JobMessageReader.Read(bytes));
    }

    [Fact]
    public void Outcome_status_is_written_as_a_name()
    {
        var outcome = new JobOutcome(1, "j", "b", JobStatus.Failed, null, null, "image.corrupt", "bad", 2, true, "host/1", DateTimeOffset.UnixEpoch);
        using var json = JsonDocument.Parse(JsonSerializer.SerializeToUtf8Bytes(outcome, JobJson.Default.JobOutcome));

        Assert.Equal("Failed", json.RootElement.GetProperty("status").GetString());
        Assert.False(json.RootElement.TryGetProperty("resultBlob", out _));
        // Derived, not part of the message.
        Assert.False(json.RootElement.TryGetProperty("isProgress", out _));
    }

    [Theory]
    [InlineData("not json", ErrorCodes.MalformedMessage)]
    [InlineData("null", ErrorCodes.MalformedMessage)]
    [InlineData("[1,2]", ErrorCodes.MalformedMessage)]
    [InlineData("""{"schemaVersion":5,"jobId":"j","batchId":"b","sourceBlob":"s","text":"t","resultBlob":"r"}""", ErrorCodes.UnsupportedSchema)]
    [InlineData("""{"schemaVersion":3,"jobId":"j","batchId":"b","sourceBlob":"s","resultBlob":"r"}""", ErrorCodes.MalformedMessage)]
    [InlineData("""{"schemaVersion":3,"jobId":"j","batchId":"b","sourceBlob":"s","text":"t","resultBlob":"r","fills":[]}""", ErrorCodes.MalformedMessage)]
    [InlineData("""{"schemaVersion":3,"jobId":"j","batchId":"b","sourceBlob":"s","resultBlob":"r","fills":[{"layer":0}]}""", ErrorCodes.MalformedMessage)]
    [InlineData("""{"schemaVersion":3,"jobId":"j","batchId":"b","sourceBlob":"s","resultBlob":"r","fills":[null]}""", ErrorCodes.MalformedMessage)]
    [InlineData("""{"schemaVersion":2,"jobId":"j","batchId":"b","sourceBlob":"s","text":"t","resultBlob":"r","fills":[]}""", ErrorCodes.MalformedMessage)]
    [InlineData("""{"schemaVersion":0,"jobId":"j","batchId":"b","sourceBlob":"s","text":"t","resultBlob":"r"}""", ErrorCodes.UnsupportedSchema)]
    [InlineData("""{"schemaVersion":2,"jobId":"j","batchId":"b","sourceBlob":"s","resultBlob":"r"}""", ErrorCodes.MalformedMessage)]
    [InlineData("""{"schemaVersion":2,"jobId":"j","batchId":"b","sourceBlob":"s","text":"t","resultBlob":"r","template":{"layers":[]}}""", ErrorCodes.MalformedMessage)]
    [InlineData("""{"schemaVersion":1,"jobId":"j","batchId":"b","sourceBlob":"s","text":"t","resultBlob":"r","template":{"layers":[]}}""", ErrorCodes.MalformedMessage)]
    [InlineData("""{"schemaVersion":2,"jobId":"j","batchId":"b","sourceBlob":"s","resultBlob":"r","template":{"layers":[{"name":"x"}]}}""", ErrorCodes.MalformedMessage)]
    [InlineData("""{"schemaVersion":1,"jobId":"j","batchId":"b","text":"t"}""", ErrorCodes.MalformedMessage)]
    public void Reader_refuses_bad_messages_with_a_code(string body, string code)
    {
        var error = Assert.Throws<JobFailedException>(() => JobMessageReader.Read(System.Text.Encoding.UTF8.GetBytes(body)));

        Assert.Equal(code, error.Code);
        Assert.True(ErrorCodes.Find(error.Code)!.Permanent);
    }

    [Fact]
    public void A_version_2_job_with_a_text_is_read_as_a_caption()
    {
        var job = JobMessageReader.Read("""{"schemaVersion":2,"jobId":"j","batchId":"b","sourceBlob":"s","text":"t","resultBlob":"r"}"""u8);

        Assert.Equal("t", job.Text);
        Assert.Null(job.Template);
    }

    [Fact]
    public void Reader_names_the_missing_fields()
    {
        var error = Assert.Throws<JobFailedException>(() => JobMessageReader.Read("""{"schemaVersion":1,"jobId":"j","batchId":"b","text":"t"}"""u8));

        Assert.Contains("sourceBlob", error.Message, StringComparison.Ordinal);
        Assert.Contains("resultBlob", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_of_a_refused_message_are_still_found()
    {
        var ids = JobMessageReader.TryReadIds("""{"schemaVersion":9,"jobId":"j1","batchId":"b1"}"""u8);

        Assert.Equal(new JobMessageReader.JobIds("j1", "b1"), ids);
        Assert.Equal(default, JobMessageReader.TryReadIds("garbage"u8));
    }

    [Theory]
    [InlineData("""{"jobId":"\ud800","batchId":"b1"}""")]
    [InlineData("""{"jobId":"j1","batchId":"b\udc00"}""")]
    [InlineData("""{"job\ud800Id":"j1","batchId":"b1"}""")]
    public void A_message_whose_ids_are_not_text_has_no_ids(string body) =>
        Assert.Equal(default, JobMessageReader.TryReadIds(System.Text.Encoding.UTF8.GetBytes(body)));
}
