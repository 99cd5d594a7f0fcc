using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ImageJobs.Messaging;
using ImageJobs.Producer.Sources;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// The producer against a client that means harm: stored script, a rebound host name, malformed
/// bodies, zips and templates built to exhaust it, uploads that hold its disk. In process, against
/// the real RabbitMQ and Azurite.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class HostileClientTests(LocalInfrastructure infrastructure)
{
    private const string Key = "a-key-for-the-hostile-client-tests-0123";
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Stored_blobs_are_served_as_the_image_they_are_never_as_a_page_and_every_response_says_nosniff()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        using var upload = new MultipartFormDataContent
        {
            Part("files", "x.jpg", "<html><script>alert(document.cookie)</script></html>"u8.ToArray(), "text/html"),
            Part("files", "real.jpg", TestImages.Jpeg(1), "text/html"),
        };
        using var stored = await producer.Http.PostAsync("/api/sources?prefix=up", upload);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        var results = infrastructure.Blobs().GetBlobContainerClient($"results-{_suffix}");
        await results.CreateIfNotExistsAsync();
        await results.GetBlobClient("b/000000-page.png").UploadAsync(BinaryData.FromString("<svg onload=alert(1)>"),
            new Azure.Storage.Blobs.Models.BlobUploadOptions { HttpHeaders = new() { ContentType = "image/svg+xml" } });

        using var script = await producer.Http.GetAsync("/api/sources/content/up/x.jpg");
        Assert.Equal("application/octet-stream", script.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", script.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Contains("sandbox", script.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        using var svg = await producer.Http.GetAsync("/api/results/b/000000-page.png");
        Assert.Equal("application/octet-stream", svg.Content.Headers.ContentType?.MediaType);
        using var image = await producer.Http.GetAsync("/api/sources/content/up/real.jpg");
        Assert.Equal("image/jpeg", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal("inline", image.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("real.jpg", image.Content.Headers.ContentDisposition?.FileNameStar ?? image.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(TestImages.Jpeg(1), await image.Content.ReadAsByteArrayAsync());

        using var page = await producer.Http.GetAsync("/");
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
        foreach (var response in new[] { script, svg, image, page, await producer.Http.GetAsync("/api/batches"), await producer.Http.GetAsync("/api/batches/none") })
        {
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }
    }

    [Fact]
    public async Task Without_a_key_only_loopback_host_names_are_served()
    {
        await using (var open = await InProcessProducer.StartAsync(infrastructure, _suffix))
        {
            // A page on another site whose name was made to resolve to 127.0.0.1 (DNS rebinding) sends its own name.
            Assert.Equal(HttpStatusCode.BadRequest, await StatusWithHostAsync(open, "rebound.example"));
            Assert.Equal(HttpStatusCode.OK, await StatusWithHostAsync(open, "localhost"));
            Assert.Equal(HttpStatusCode.OK, await StatusWithHostAsync(open, "127.0.0.1"));
        }

        // With a key (as in Azure) the public name is served, to those who carry the key.
        await using var keyed = await InProcessProducer.StartAsync(infrastructure, _suffix, new Dictionary<string, string?> { ["Access:Key"] = Key }, environmentName: "Production");
        keyed.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        Assert.Equal(HttpStatusCode.OK, await StatusWithHostAsync(keyed, "producer.example.azurecontainerapps.io"));
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task A_body_the_binder_cannot_read_is_a_400_naming_the_json_path(string environment)
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, new Dictionary<string, string?> { ["Access:Key"] = Key }, environmentName: environment);
        producer.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        var cases = new (string Path, string Body, string Field)[]
        {
            ("/api/batches", """{"items":[{"source":"a.jpg","text":"x","style":{"color":0}}]}""", "items[0].style.color"),
            ("/api/batches", """{"prefix":"a/","template":"x","style":{"fontFamily":"NaN"}}""", "style.fontFamily"),
            ("/api/batches", """{"items":"x"}""", "items"),
            ("/api/batches", """{"prefix":"a/","template":"x","style":3.5}""", "style"),
            ("/api/batches", """[1,2]""", "body"),
            ("/api/batches", """{"items":[""", "items[0]"),
            ("/api/preview", """{"source":"a.jpg","text":"x","style":{"box":{"unit":"Inches"}}}""", "style.box.unit"),
            ("/api/preview", """{"source":7,"text":"x"}""", "source"),
            ("/api/batches/b/requeue", """{"jobIds":5}""", "jobIds"),
        };
        foreach (var (path, body, field) in cases)
        {
            using var response = await producer.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} {body}: {(int)response.StatusCode}");
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"{body}: {problem}");
            Assert.NotEmpty(messages.EnumerateArray().First().GetString()!);
        }

        using var notJson = await producer.Http.PostAsync("/api/preview", new StringContent("source=a.jpg", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
        Assert.True((await notJson.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("Content-Type", out _));

        // Multipart bodies that break off: named by their part.
        foreach (var (path, field) in new[] { ("/api/sources?prefix=up", "files"), ("/api/batches/manifest", "manifest") })
        {
            var broken = new StringContent("--xyz\r\nContent-Disposition: form-data; name=\"manifest\"; filename=\"m.csv\"\r\n\r\nimage,te", Encoding.UTF8);
            broken.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyz");
            using var response = await producer.Http.PostAsync(path, broken);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _), path);
        }
    }

    [Fact]
    public async Task A_template_that_expands_past_the_text_limit_is_refused_naming_the_image()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        var name = "t/" + new string('n', 300) + ".jpg";
        await sources.UploadBlobAsync("t/short.jpg", BinaryData.FromBytes(TestImages.Jpeg(1)));
        await sources.UploadBlobAsync(name, BinaryData.FromBytes(TestImages.Jpeg(2)));

        // 120 characters of template, 6,000 of text for the long name.
        using var response = await producer.Http.PostAsJsonAsync("/api/batches", new { prefix = "t/", template = string.Concat(Enumerable.Repeat("{name}", 20)) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(name, problem.GetProperty("errors").GetProperty("template")[0].GetString(), StringComparison.Ordinal);
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        Assert.Equal(0u, await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue));
    }

    [Fact]
    public async Task A_zip_of_a_million_directory_records_is_refused_while_they_are_counted()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        using var zip = TestZips.DirectoryRecords(1_000_000, claimedEntries: 0);
        using var upload = new MultipartFormDataContent { Part("files", "many.zip", zip.ToArray(), "application/zip") };

        var before = GC.GetTotalAllocatedBytes(precise: true);
        using var response = await producer.Http.PostAsync("/api/sources?prefix=z", upload);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        var result = (await response.Content.ReadFromJsonAsync<UploadResult>())!;
        Assert.Contains("entries in its directory", Assert.Single(result.Rejected).Reason, StringComparison.Ordinal);
        // ZipArchive would hold every record first: hundreds of MB for this 47 MB upload.
        Assert.True(allocated < 120L * 1024 * 1024, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public async Task Uploads_beyond_the_concurrency_or_the_temporary_disk_are_told_to_come_back()
    {
        await using (var one = await InProcessProducer.StartAsync(infrastructure, _suffix, new Dictionary<string, string?> { ["Uploads:MaxConcurrentUploads"] = "1" }))
        {
            await using var held = StalledUpload.Start(one.Address);
            await held.StartedAsync();
            await RefusedWhileHeldAsync(one.Http);
            Assert.Equal(HttpStatusCode.OK, await held.FinishAsync());
        }

        // A body of unknown length reserves a whole zip's worth of disk: here all of it.
        await using var disk = await InProcessProducer.StartAsync(infrastructure, _suffix, new Dictionary<string, string?>
        {
            ["Uploads:MaxSpoolBytes"] = "1000000",
            ["Uploads:MaxZipBytes"] = "1000000",
        });
        await using (var held = StalledUpload.Start(disk.Address))
        {
            await held.StartedAsync();
            await RefusedWhileHeldAsync(disk.Http);
            Assert.Equal(HttpStatusCode.OK, await held.FinishAsync());
        }

        // Released with the request: the next one is taken.
        using var taken = await disk.Http.PostAsync("/api/sources?prefix=c", new MultipartFormDataContent { Part("files", "a.jpg", TestImages.Jpeg(1), "image/jpeg") });
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
    }

    [Fact]
    public async Task An_upload_larger_than_the_request_limit_is_a_413_problem()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix, new Dictionary<string, string?> { ["Uploads:MaxRequestBytes"] = "10000" });
        using var response = await producer.Http.PostAsync("/api/sources?prefix=big", new MultipartFormDataContent { Part("files", "a.jpg", new byte[50_000], "image/jpeg") });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Another upload, while one is held inside the producer, is answered 429 with Retry-After.</summary>
    private static async Task RefusedWhileHeldAsync(HttpClient http)
    {
        using var response = await http.PostAsync("/api/sources?prefix=c", new MultipartFormDataContent { Part("files", "a.jpg", TestImages.Jpeg(1), "image/jpeg") });
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<HttpStatusCode> StatusWithHostAsync(InProcessProducer producer, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/batches") { Headers = { Host = host } };
        using var response = await producer.Http.SendAsync(request);
        return response.StatusCode;
    }

    private static ByteArrayContent Part(string field, string fileName, byte[] bytes, string contentType) => FormParts.File(fileName, bytes, field, contentType);

    /// <summary>
    /// An upload that sends its first part's headers and then waits, holding whatever the producer
    /// reserved for it. It asks to continue (Expect: 100-continue) and sends nothing until the
    /// producer starts reading its body, so once started it is surely past every limit the
    /// producer checks first: without that, another request could take the limit before it.
    /// </summary>
    private sealed class StalledUpload : HttpContent, IAsyncDisposable
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly HttpClient _http;
        private Task<HttpResponseMessage>? _response;

        private StalledUpload(string address)
        {
            Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=stall");
            // The body waits for the producer's 100 Continue, however long it takes to come.
            _http = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(2) }) { BaseAddress = new Uri(address) };
        }

        public static StalledUpload Start(string address)
        {
            var upload = new StalledUpload(address);
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/sources?prefix=held") { Content = upload, Headers = { ExpectContinue = true } };
            upload._response = upload._http.SendAsync(request);
            return upload;
        }

        /// <summary>Done when the producer reads the body; fails if it answered without reading it.</summary>
        public async Task StartedAsync()
        {
            var first = await Task.WhenAny(_started.Task, _response!).WaitAsync(TimeSpan.FromSeconds(30));
            if (first == _response)
            {
                using var response = await _response;
                Assert.Fail($"the held upload was answered {(int)response.StatusCode} before the producer read its body");
            }
        }

        public async Task<HttpStatusCode> FinishAsync()
        {
            _release.TrySetResult();
            using var response = await _response!.WaitAsync(TimeSpan.FromSeconds(30));
            return response.StatusCode;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync("--stall\r\nContent-Disposition: form-data; name=\"files\"; filename=\"held.jpg\"\r\n\r\n"u8.ToArray());
            await stream.FlushAsync();
            _started.TrySetResult();
            await _release.Task;
            await stream.WriteAsync(TestImages.Jpeg(3));
            await stream.WriteAsync("\r\n--stall--\r\n"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        public async ValueTask DisposeAsync()
        {
            _release.TrySetResult();
            if (_response is not null)
            {
                await _response.ContinueWith(t =>
                {
                    if (t.IsCompletedSuccessfully)
                    {
                        t.Result.Dispose();
                    }
                }, TaskScheduler.Default);
            }

            Dispose();
            _http.Dispose();
        }
    }
}
