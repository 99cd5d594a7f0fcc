using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using ImageJobs.AppHost.Infrastructure;
using ImageJobs.Tests.Support;
using SkiaSharp;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// Previews decode untrusted images inside the producer, which has 1 GiB in Azure. The real
/// producer runs as its own process under a memory limit this test enforces as a cgroup would:
/// its resident memory is sampled, and past the limit it is killed. A burst of previews of a
/// 10000x10000 EXIF-rotated JPEG must each be served or refused, and the producer stay up.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class PreviewBurstTests(LocalInfrastructure infrastructure, ITestOutputHelper output)
{
    private const long MemoryLimit = 1024L * 1024 * 1024;
    private const int Burst = 12;
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_burst_of_previews_of_a_huge_rotated_photo_is_served_or_refused_within_the_memory_limit()
    {
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("huge/rotated.jpg", BinaryData.FromBytes(Rendering.TestImages.JpegWithOrientation(10_000, 10_000, 6)));

        var port = LoopbackPorts.Next();
        using var producer = StartProducer(port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(3) };
        using var watch = new CancellationTokenSource();
        var watchdog = WatchMemoryAsync(producer, watch.Token);
        try
        {
            await WaitUntilServingAsync(http, producer);
            var baseline = Resident(producer.Id, "VmRSS:");

            var answers = await Task.WhenAll(Enumerable.Range(0, Burst).Select(async i =>
            {
                using var response = await http.PostAsJsonAsync("/api/preview", new { source = "huge/rotated.jpg", text = $"Burst {i}" });
                var bytes = await response.Content.ReadAsByteArrayAsync();
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    using var preview = SKBitmap.Decode(bytes);
                    Assert.NotNull(preview);
                    Assert.InRange(Math.Max(preview.Width, preview.Height), 1, 2000);
                }
                else
                {
                    // Refused: at the concurrency limit (told when to come back), or past the time limit.
                    Assert.True(response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}");
                    Assert.True(response.StatusCode != HttpStatusCode.TooManyRequests || response.Headers.RetryAfter is not null, "429 without Retry-After");
                }

                return response.StatusCode;
            }));

            // Still up, still answering, and never past the limit.
            Assert.False(producer.HasExited, "the producer died (killed at the memory limit, or crashed)");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/batches")).StatusCode);
            var peak = Resident(producer.Id, "VmHWM:");
            output.WriteLine($"answers: {string.Join(", ", answers.GroupBy(a => a).Select(g => $"{(int)g.Key} x{g.Count()}"))}; "
                + $"resident {baseline / 1048576} MiB before, peak {peak / 1048576} MiB (limit {MemoryLimit / 1048576})");
            Assert.Contains(HttpStatusCode.OK, answers);
            Assert.True(peak < MemoryLimit, $"peak resident memory {peak:N0} bytes");
        }
        finally
        {
            await watch.CancelAsync();
            var killedAt = await watchdog;
            if (!producer.HasExited)
            {
                producer.Kill(entireProcessTree: true);
                await producer.WaitForExitAsync();
            }

            Assert.True(killedAt is null, $"killed at {killedAt:N0} bytes resident, over the limit of {MemoryLimit:N0}");
        }
    }

    /// <summary>The published producer's own entry point (the test's output folder holds it), on loopback, against the test infrastructure.</summary>
    private Process StartProducer(int port)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ImageJobs.Producer.dll")])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Demo__Enabled"] = "false";
        foreach (var (key, value) in infrastructure.ServiceSettings(_suffix))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                output.WriteLine("producer: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilServingAsync(HttpClient http, Process producer)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline && !producer.HasExited)
        {
            try
            {
                if ((await http.GetAsync("/api/batches")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("The producer did not start serving in 90 s.");
    }

    /// <summary>The limit, enforced: the producer's resident memory sampled every 10 ms, and the process killed past it. Returns the size it was killed at.</summary>
    private static async Task<long?> WatchMemoryAsync(Process producer, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && !producer.HasExited)
        {
            var resident = Resident(producer.Id, "VmRSS:");
            if (resident > MemoryLimit)
            {
                producer.Kill(entireProcessTree: true);
                return resident;
            }

            await Task.Delay(10, CancellationToken.None);
        }

        return null;
    }

    /// <summary>A memory figure of /proc/PID/status (VmRSS: now, VmHWM: the peak), in bytes; 0 once the process is gone.</summary>
    private static long Resident(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
