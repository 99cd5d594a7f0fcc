using System.Net;
using System.Text;
using ImageJobs.AppHost.Infrastructure;
using ImageJobs.Cli;
using Spectre.Console;

namespace ImageJobs.Tests.Unit;

/// <summary>
/// The <c>imagejobs</c> command line's parsing, settings and exit codes. The producer's answers
/// come from a recorded-answer handler (the CLI against the real producer: EndToEnd/CliTests).
/// </summary>
[Trait("Category", "Unit")]
public sealed class CliTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("status")]
    [InlineData("submit", "/no/such/folder", "--manifest", "/no/such.csv")]
    [InlineData("requeue")]
    public async Task Bad_arguments_exit_2_and_say_what_is_wrong(params string[] args)
    {
        var (code, output) = await RunAsync(args, NoEnvironment, Answer(HttpStatusCode.OK, "{}"));
        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("imagejobs --help", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_without_a_manifest_is_refused_before_anything_is_sent()
    {
        var handler = Answer(HttpStatusCode.OK, "{}");
        var (code, output) = await RunAsync(["submit", Path.GetTempPath()], NoEnvironment, handler);
        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("--manifest", output, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public void The_url_comes_from_the_option_then_the_environment_then_the_local_default()
    {
        Func<string, string?> environment = name => name == "IMAGEJOBS_URL" ? "https://producer.example.com/base" : null;
        Assert.Equal("http://127.0.0.1:9/", CliApp.ProducerUrl("http://127.0.0.1:9", environment)!.ToString());
        Assert.Equal("https://producer.example.com/base/", CliApp.ProducerUrl(null, environment)!.ToString());
        Assert.Equal("http://localhost:5280/", CliApp.ProducerUrl(null, NoEnvironment)!.ToString());
        Assert.Null(CliApp.ProducerUrl("ftp://producer.example.com", NoEnvironment));
        Assert.Null(CliApp.ProducerUrl("producer", NoEnvironment));
    }

    [Fact]
    public async Task A_url_that_is_no_http_url_exits_2()
    {
        var (code, output) = await RunAsync(["status", "b1"], name => name == "IMAGEJOBS_URL" ? "not a url" : null, Answer(HttpStatusCode.OK, "{}"));
        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("IMAGEJOBS_URL", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_key_from_the_environment_is_sent_as_a_bearer_token_and_the_option_wins()
    {
        Func<string, string?> environment = name => name == "IMAGEJOBS_KEY" ? "key-from-environment" : null;
        var handler = Answer(HttpStatusCode.OK, Status(done: true, failed: 0));
        await RunAsync(["status", "b1", "--url", "http://127.0.0.1:9"], environment, handler);
        await RunAsync(["status", "b1", "--url", "http://127.0.0.1:9", "--key", "key-from-option"], environment, handler);
        Assert.Equal(["Bearer key-from-environment", "Bearer key-from-option"], handler.Requests.Select(r => r.Authorization));
        Assert.All(handler.Requests, r => Assert.Equal("http://127.0.0.1:9/api/batches/b1", r.Url));
    }

    [Theory]
    [InlineData(true, 0, ExitCodes.Succeeded)]
    [InlineData(true, 3, ExitCodes.JobsFailed)]
    [InlineData(false, 0, ExitCodes.NotDone)]
    public async Task Status_exits_with_whether_every_job_succeeded(bool done, int failed, int expected)
    {
        var (code, output) = await RunAsync(["status", "b1"], NoEnvironment, Answer(HttpStatusCode.OK, Status(done, failed), "[]"));
        Assert.Equal(expected, code);
        Assert.Contains("succeeded", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, ExitCodes.Invalid)]
    [InlineData(HttpStatusCode.NotFound, ExitCodes.Invalid)]
    [InlineData(HttpStatusCode.Unauthorized, ExitCodes.Unavailable)]
    [InlineData(HttpStatusCode.InternalServerError, ExitCodes.Unavailable)]
    public async Task The_producers_refusals_exit_with_their_kind_and_show_its_problem(HttpStatusCode status, int expected)
    {
        var problem = "{\"title\":\"No batch 'b1'.\",\"errors\":{\"batch\":[\"is unknown\"]}}";
        var (code, output) = await RunAsync(["failures", "b1"], NoEnvironment, Answer(status, problem));
        Assert.Equal(expected, code);
        Assert.Contains("No batch 'b1'.", output, StringComparison.Ordinal);
        Assert.Contains("is unknown", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_producer_that_is_not_there_exits_3()
    {
        var port = LoopbackPorts.Next();
        var console = NewConsole(out var text);
        var code = await CliApp.RunAsync(["status", "b1", "--url", $"http://127.0.0.1:{port}"], console, NoEnvironment);
        Assert.Equal(ExitCodes.Unavailable, code);
        Assert.Contains("Cannot reach the producer", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Templates_lists_every_page()
    {
        var handler = new RecordedAnswers(HttpStatusCode.OK,
            ["[{\"name\":\"price-tag\",\"version\":3,\"savedAt\":\"2026-12-01T10:00:00Z\"}]", "[{\"name\":\"sale\",\"version\":1,\"savedAt\":\"2026-12-01T11:00:00Z\"}]"],
            nextPage: "sale");
        var console = NewConsole(out var text);
        Assert.Equal(ExitCodes.Succeeded, await CliApp.RunAsync(["templates"], console, NoEnvironment, handler));
        Assert.Equal(["http://localhost:5280/api/templates", "http://localhost:5280/api/templates?continuation=sale"], handler.Requests.Select(r => r.Url));
        Assert.Contains("price-tag", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("2 templates.", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_files_and_manifest_give_the_same_idempotency_key()
    {
        using var folder = new Support.ScratchDirectory("imagejobs-cli-key");
        var manifest = new FileInfo(Path.Combine(folder.Path, "m.csv"));
        File.WriteAllText(manifest.FullName, "image,text\nphotos/a.jpg,A\n");
        var image = Path.Combine(folder.Path, "a.jpg");
        File.WriteAllBytes(image, [1, 2, 3]);
        var key = Commands.KeyFor("photos/", manifest, [(image, "a.jpg")]);
        Assert.Equal(key, Commands.KeyFor("photos/", manifest, [(image, "a.jpg")]));
        Assert.NotEqual(key, Commands.KeyFor("other/", manifest, [(image, "a.jpg")]));
        File.WriteAllBytes(image, [1, 2, 3, 4]);
        Assert.NotEqual(key, Commands.KeyFor("photos/", manifest, [(image, "a.jpg")]));
        Assert.Matches("^cli-[0-9a-f]{40}$", key);
    }

    [Theory]
    [InlineData("pause", "paused")]
    [InlineData("resume", "running")]
    [InlineData("cancel", "cancelling")]
    public async Task A_control_command_posts_to_its_endpoint_shows_the_state_and_exits_0(string command, string state)
    {
        var handler = Answer(HttpStatusCode.OK, $$"""{"batchId":"b1","total":10,"succeeded":2,"failed":0,"pending":8,"retrying":0,"inFlight":0,"done":false,"perSecond":0,"cancelled":0,"held":3,"state":"{{state}}"}""");
        var (code, output) = await RunAsync([command, "b1"], NoEnvironment, handler);
        Assert.Equal(ExitCodes.Succeeded, code);
        Assert.Equal($"http://localhost:5280/api/batches/b1/{command}", Assert.Single(handler.Requests).Url);
        Assert.Contains($"b1: {state}.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_control_the_producer_refuses_exits_2_with_its_code_and_an_unknown_batch_exits_2()
    {
        var (code, output) = await RunAsync(["resume", "b1"], NoEnvironment, Answer(HttpStatusCode.Conflict,
            """{"title":"The batch is cancelled: it cannot be resumed.","status":409,"code":"batch.cancelled","state":"cancelling"}"""));
        Assert.Equal(ExitCodes.Invalid, code);
        Assert.Contains("batch.cancelled", output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Invalid, (await RunAsync(["cancel", "b1"], NoEnvironment, Answer(HttpStatusCode.NotFound, """{"title":"No batch 'b1'.","status":404}"""))).Code);
    }

    [Theory]
    [InlineData(false, 0, 0, ExitCodes.NotDone)]
    [InlineData(true, 0, 0, ExitCodes.Succeeded)]
    [InlineData(true, 1, 0, ExitCodes.JobsFailed)]
    [InlineData(true, 1, 3, ExitCodes.JobsFailed)]
    [InlineData(true, 0, 3, ExitCodes.Cancelled)]
    public void A_cancelled_batch_has_its_own_exit_code_unless_jobs_failed(bool done, int failed, int cancelled, int expected) =>
        Assert.Equal(expected, ExitCodes.For(done, failed, cancelled));

    private static string Status(bool done, int failed) =>
        $"{{\"batchId\":\"b1\",\"total\":10,\"succeeded\":{(done ? 10 - failed : 2)},\"failed\":{failed},\"pending\":{(done ? 0 : 8)},\"retrying\":0,\"inFlight\":1,\"done\":{(done ? "true" : "false")},\"perSecond\":1.5,\"etaSeconds\":null}}";

    private static async Task<(int Code, string Output)> RunAsync(string[] args, Func<string, string?> environment, RecordedAnswers handler)
    {
        var console = NewConsole(out var text);
        var code = await CliApp.RunAsync(args, console, environment, handler);
        return (code, text.ToString());
    }

    private static IAnsiConsole NewConsole(out StringWriter text)
    {
        text = new StringWriter();
        return AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(text), Interactive = InteractionSupport.No });
    }

    private static RecordedAnswers Answer(HttpStatusCode status, params string[] bodies) => new(status, bodies);

    /// <summary>Answers each request with the next body (the last one again when they run out), and records what was asked.</summary>
    private sealed class RecordedAnswers(HttpStatusCode status, string[] bodies, string? nextPage = null) : HttpMessageHandler
    {
        public List<(string Url, string? Authorization)> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request.RequestUri!.ToString(), request.Headers.Authorization?.ToString()));
            var body = bodies[Math.Min(Requests.Count - 1, bodies.Length - 1)];
            var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            // The first answer says a next page follows (a Continuation-Token), when told to.
            if (nextPage is not null && Requests.Count == 1)
            {
                response.Headers.Add("Continuation-Token", nextPage);
            }

            return Task.FromResult(response);
        }
    }
}
