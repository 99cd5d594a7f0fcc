using System.CommandLine;
using ImageJobs.Client;
using Spectre.Console;

namespace ImageJobs.Cli;

/// <summary>
/// The <c>imagejobs</c> command line: <c>submit</c>, <c>status</c>, <c>failures</c>, <c>requeue</c>,
/// <c>cancel</c>, <c>pause</c>, <c>resume</c>, <c>templates</c>.
/// The producer's URL and key come from <c>--url</c> / <c>--key</c> or <c>IMAGEJOBS_URL</c> /
/// <c>IMAGEJOBS_KEY</c>; the exit code is one of <see cref="ExitCodes"/>. Thin: parsing here, the
/// work in <see cref="Commands"/>, every HTTP call in <see cref="ImageJobsClient"/>.
/// </summary>
public static class CliApp
{
    public const string DefaultUrl = "http://localhost:5280";

    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, Func<string, string?> environment,
        HttpMessageHandler? handler = null, CancellationToken cancellationToken = default)
    {
        var url = new Option<string>("--url") { Description = $"The producer's URL (or IMAGEJOBS_URL; default {DefaultUrl}).", Recursive = true };
        var key = new Option<string>("--key") { Description = "The producer's access key (or IMAGEJOBS_KEY).", Recursive = true };
        var batchId = new Argument<string>("batch") { Description = "The batch id." };
        var wait = new Option<bool>("--wait") { Description = "Follow the batch with a progress bar until every job has ended." };

        var folder = new Argument<DirectoryInfo>("folder") { Description = "The folder of images to upload (.jpg .jpeg .png .webp .gif .bmp, subfolders included)." }.AcceptExistingOnly();
        var manifest = new Option<FileInfo>("--manifest") { Required = true, Description = "The captions: CSV (image,text,...) or JSON Lines; image names are blob names (prefix + path in the folder)." }.AcceptExistingOnly();
        var prefix = new Option<string>("--prefix") { Description = "Where the images go in the sources container (default: the folder's name and '/')." };
        var output = new Option<FileInfo>("--out") { Description = "With --wait, where the results zip is written (default: ./{batch}.zip)." };
        var idempotencyKey = new Option<string>("--idempotency-key") { Description = "Names the submission (default: derived from the manifest and files, so the same command names the same batch)." };
        var template = new Option<string>("--template") { Description = "A stored template (its newest version): each manifest row's columns fill its placeholders." };
        var submit = new Command("submit", "Upload a folder of images, submit a manifest, and (with --wait) follow it and download the results.")
        {
            folder, manifest, prefix, wait, output, idempotencyKey, template,
        };
        var status = new Command("status", "Show a batch's progress.") { batchId, wait };
        var failures = new Command("failures", "List a batch's failed jobs with their error codes.") { batchId };
        var jobs = new Option<string[]>("--job") { Description = "A job id to requeue (repeatable; none: every failed job).", AllowMultipleArgumentsPerToken = true };
        var requeue = new Command("requeue", "Send a batch's failed jobs back to work after a fix.") { batchId, jobs, wait };
        var templates = new Command("templates", "List the stored templates (their newest versions).");
        var cancel = new Command("cancel", "Cancel a batch: its jobs not yet rendered end as cancelled, without rendering.") { batchId };
        var pause = new Command("pause", "Pause a batch: its jobs not yet rendered are held until it is resumed.") { batchId };
        var resume = new Command("resume", "Resume a paused batch: its held jobs go back to work.") { batchId, wait };
        var root = new RootCommand("ImageJobs: put text on very many images.") { url, key, submit, status, failures, requeue, cancel, pause, resume, templates };

        Commands? commands = null;
        Commands Connect(ParseResult parse) => commands ??= new Commands(console, new ImageJobsClient(ImageJobsClient.CreateHttpClient(
            ProducerUrl(parse.GetValue(url), environment)!, parse.GetValue(key) ?? environment("IMAGEJOBS_KEY"), handler)));

        submit.SetAction((parse, token) => Connect(parse).SubmitAsync(parse.GetRequiredValue(folder), parse.GetRequiredValue(manifest),
            parse.GetValue(prefix), parse.GetValue(wait), parse.GetValue(output), parse.GetValue(idempotencyKey), token, parse.GetValue(template)));
        status.SetAction((parse, token) => Connect(parse).StatusAsync(parse.GetRequiredValue(batchId), parse.GetValue(wait), token));
        failures.SetAction((parse, token) => Connect(parse).FailuresAsync(parse.GetRequiredValue(batchId), token));
        templates.SetAction((parse, token) => Connect(parse).TemplatesAsync(token));
        requeue.SetAction((parse, token) => Connect(parse).RequeueAsync(parse.GetRequiredValue(batchId), parse.GetValue(jobs), parse.GetValue(wait), token));
        cancel.SetAction((parse, token) => Connect(parse).ControlAsync(parse.GetRequiredValue(batchId), "cancel", wait: false, token));
        pause.SetAction((parse, token) => Connect(parse).ControlAsync(parse.GetRequiredValue(batchId), "pause", wait: false, token));
        resume.SetAction((parse, token) => Connect(parse).ControlAsync(parse.GetRequiredValue(batchId), "resume", parse.GetValue(wait), token));

        var parsed = root.Parse(args);
        var problems = parsed.Errors.Select(e => e.Message).ToList();
        if (problems.Count == 0 && parsed.CommandResult.Command != root && ProducerUrl(parsed.GetValue(url), environment) is null)
        {
            problems.Add($"The producer's URL must be an absolute http(s) URL: '{parsed.GetValue(url) ?? environment("IMAGEJOBS_URL")}' (--url or IMAGEJOBS_URL).");
        }

        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                console.MarkupLineInterpolated($"[red]{problem}[/]");
            }

            console.WriteLine("Run 'imagejobs --help' for the commands and their options.");
            return ExitCodes.Invalid;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = new ConsoleWriter(console), Error = new ConsoleWriter(console) }, cancellationToken);
    }

    /// <summary>The producer's URL from the option, else IMAGEJOBS_URL, else the local default; null when it is no http(s) URL.</summary>
    public static Uri? ProducerUrl(string? option, Func<string, string?> environment)
    {
        var text = option ?? environment("IMAGEJOBS_URL") ?? DefaultUrl;
        return Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : null;
    }

    /// <summary>Help and parse output through the same console as everything else.</summary>
    private sealed class ConsoleWriter(IAnsiConsole console) : StringWriter
    {
        public override void Write(char value) => Write(value.ToString());

        public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

        public override void Write(string? value)
        {
            // Spectre renders text without its line breaks' meaning unless each line is written as one.
            var lines = (value ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                console.Write(new Text(lines[i]));
                if (i < lines.Length - 1)
                {
                    console.WriteLine();
                }
            }
        }

        public override void WriteLine() => console.WriteLine();

        public override void WriteLine(string? value)
        {
            Write(value);
            console.WriteLine();
        }
    }
}
