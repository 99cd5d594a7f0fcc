using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ImageJobs.Messaging;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Sources;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Integration;

/// <summary>Uploads (files and zips) and manifests through the producer, against real RabbitMQ and Azurite.</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class GettingWorkInTests(LocalInfrastructure infrastructure)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Files_and_zips_are_stored_under_the_prefix_and_bad_names_or_zips_are_refused()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix,
            new Dictionary<string, string?> { ["Uploads:MaxFileBytes"] = "200000" });

        using var form = new MultipartFormDataContent
        {
            File("one.jpg", TestImages.Jpeg(1)),
            File("two.png", TestImages.Png(2)),
            File("notes.txt", "hello"u8.ToArray()),
            File("huge.jpg", new byte[300_000]),
            File("good.zip", Zip(("z/three.jpg", TestImages.Jpeg(3)), ("__MACOSX/z/._three.jpg", [0]))),
            File("evil.zip", Zip(("../escape.jpg", TestImages.Jpeg(4)), ("ok.jpg", TestImages.Jpeg(5)))),
        };
        using var response = await producer.Http.PostAsync("/api/sources?prefix=up", form);
        var result = (await response.Content.ReadFromJsonAsync<UploadResult>())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["up/one.jpg", "up/two.png", "up/z/three.jpg"], result.Uploaded.Select(u => u.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["evil.zip:../escape.jpg", "notes.txt", "up/huge.jpg"], result.Rejected.Select(r => r.Name).Order(StringComparer.Ordinal));
        var stored = await producer.Http.GetFromJsonAsync<List<BlobFile>>("/api/sources?prefix=up/");
        Assert.Equal(3, stored!.Count); // nothing of the evil zip, not even its good entry; no part of huge.jpg
        Assert.Equal(TestImages.Jpeg(1), await producer.Http.GetByteArrayAsync("/api/sources/content/up/one.jpg"));

        using var badPrefix = await producer.Http.PostAsync("/api/sources?prefix=../x", new MultipartFormDataContent { File("a.jpg", [1]) });
        Assert.Equal(HttpStatusCode.BadRequest, badPrefix.StatusCode);
    }

    [Fact]
    public async Task A_manifest_with_bad_rows_publishes_nothing_and_names_each_line_and_a_good_one_is_published()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("m/a.jpg", BinaryData.FromBytes(TestImages.Jpeg(1)));
        await sources.UploadBlobAsync("m/b.jpg", BinaryData.FromBytes(TestImages.Jpeg(2)));

        const string bad = "image,text,color\nm/a.jpg,A,\nm/missing.jpg,B,\nm/b.jpg,C,purple\n";
        using var rejected = await PostManifestAsync(producer, "captions.csv", bad);
        var problem = await rejected.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Equal(["line 4"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name)); // style first; lookup only for a clean manifest

        using var missing = await PostManifestAsync(producer, "captions.csv", "image,text\nm/a.jpg,A\nm/missing.jpg,B\n");
        var missingProblem = await missing.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["line 3"], missingProblem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        Assert.Equal(0u, await ReadyAsync());

        using var accepted = await PostManifestAsync(producer, "captions.jsonl",
            "{\"image\":\"m/a.jpg\",\"text\":\"A\"}\n{\"image\":\"m/b.jpg\",\"text\":\"B\",\"style\":{\"color\":\"#FFD700\"}}\n", """{"outlineColor":"#000000"}""");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(2, (await accepted.Content.ReadFromJsonAsync<BatchAccepted>())!.Total);
        Assert.Equal(2u, await ReadyAsync());
    }

    private static Task<HttpResponseMessage> PostManifestAsync(InProcessProducer producer, string name, string content, string? style = null)
    {
        var form = new MultipartFormDataContent { File(name, Encoding.UTF8.GetBytes(content), "manifest") };
        if (style is not null)
        {
            form.Add(new StringContent(style), "style");
        }

        return producer.Http.PostAsync("/api/batches/manifest", form);
    }

    private async Task<uint> ReadyAsync()
    {
        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        return await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue);
    }

    private static ByteArrayContent File(string name, byte[] bytes, string field = "files") => FormParts.File(name, bytes, field);

    private static byte[] Zip(params (string Name, byte[] Bytes)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(bytes);
            }
        }

        return buffer.ToArray();
    }
}
