using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Templates;
using ImageJobs.Messaging;
using ImageJobs.Producer.Batches;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Integration;

/// <summary>POST /api/batches/manifest with a layered template, in process, against a real RabbitMQ and a real Azurite.</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class ManifestTemplateTests(LocalInfrastructure infrastructure)
{
    private static readonly JobLayer[] PriceTag =
    [
        new("text", "title", Text: "{product}"),
        new("text", "price", Text: "{price}"),
        new("barcode", "ean", Value: "{ean}", Symbology: "Ean13"),
    ];

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_csv_fills_a_stored_template_through_the_mapping_and_its_jobs_carry_the_version_read()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await UploadAsync("tags/a.jpg", "tags/b.jpg");
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        await producer.Http.PostAsJsonAsync("/api/templates", new { name = "price-tag", layers = PriceTag });
        const string csv = "image,product,Cost,ean,notes\ntags/a.jpg,Tea,2.50,4006381333931,x\ntags/b.jpg,\"Coffee, dark\",7.95,400638133393,y\n";

        using var accepted = await PostAsync(producer, csv, ("templateName", "price-tag"), ("mapping", """{"price":"cost"}"""));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var batch = (await accepted.Content.ReadFromJsonAsync<BatchAccepted>())!;
        Assert.Equal(("price-tag", 1, 2), (batch.TemplateName, batch.TemplateVersion, batch.Total));
        var jobs = await TakeJobsAsync(2);
        Assert.All(jobs, j => Assert.Equal(("price-tag", 1), (j.Template!.Name, j.Template.Version)));
        Assert.Equal(["Coffee, dark", "7.95", "400638133393"], jobs[1].Template!.Layers.Select(l => l.Text ?? l.Value));
    }

    [Fact]
    public async Task A_manifests_resize_is_checked_by_its_field_and_makes_version_4_jobs()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await UploadAsync("tags/a.jpg");
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var inline = JsonSerializer.Serialize(new { layers = PriceTag }, JsonSerializerOptions.Web);
        const string csv = "image,product,price,ean\ntags/a.jpg,Tea,2.50,4006381333931\n";

        using var bad = await PostAsync(producer, csv, ("inlineTemplate", inline), ("resize", """{"width":0}"""));
        Assert.Equal(["resize.width"], (await ErrorsAsync(bad)).Keys);

        using var accepted = await PostAsync(producer, csv, ("inlineTemplate", inline), ("resize", """{"width":320}"""));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var job = Assert.Single(await TakeJobsAsync(1));
        Assert.Equal((RenderJob.ResizeSchemaVersion, 320), (job.SchemaVersion, job.Template!.Output!.Resize!.Width));
    }

    [Fact]
    public async Task Bad_rows_are_refused_by_line_and_nothing_is_published()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await UploadAsync("tags/a.jpg");
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var inline = JsonSerializer.Serialize(new { layers = PriceTag }, JsonSerializerOptions.Web);

        // Line 3's EAN-13 has a wrong check digit.
        const string csv = "image,product,price,ean\ntags/a.jpg,Tea,2.50,4006381333931\ntags/a.jpg,Milk,1.10,4006381333932\n";
        using var badCode = await PostAsync(producer, csv, ("inlineTemplate", inline));
        var errors = await ErrorsAsync(badCode);
        Assert.Equal(["line 3"], errors.Keys);
        Assert.StartsWith("layers[2].value:", errors["line 3"][0], StringComparison.Ordinal);

        using var noColumn = await PostAsync(producer, "image,product,ean\ntags/a.jpg,Tea,4006381333931\n", ("inlineTemplate", inline));
        Assert.Equal(["column \"price\" is missing"], (await ErrorsAsync(noColumn))["line 1"]);

        using var jsonl = await PostAsync(producer, "{\"image\":\"tags/a.jpg\",\"product\":\"Tea\",\"ean\":\"4006381333931\",\"price\":1}\n{\"image\":\"tags/a.jpg\",\"product\":\"Tea\",\"ean\":\"4006381333931\"}\n",
            ("inlineTemplate", inline), name: "rows.jsonl");
        Assert.Equal(["column \"price\" is missing"], (await ErrorsAsync(jsonl))["line 2"]);

        using var absent = await PostAsync(producer, "image,product,price,ean\ntags/absent.jpg,Jam,3,4006381333931\n", ("inlineTemplate", inline));
        Assert.Contains("tags/absent.jpg", (await ErrorsAsync(absent))["line 2"][0], StringComparison.Ordinal);

        using var both = await PostAsync(producer, csv, ("inlineTemplate", inline), ("style", """{"color":"#FFFFFF"}"""), ("mapping", """{"nope":"x"}"""));
        Assert.Contains("style", (await ErrorsAsync(both)).Keys);
        using var noTemplate = await PostAsync(producer, "image,text\ntags/a.jpg,x\n", ("templateName", "absent"));
        Assert.Equal(["templateName"], (await ErrorsAsync(noTemplate)).Keys);
        using var badMapping = await PostAsync(producer, csv, ("inlineTemplate", inline), ("mapping", """{"nope":"x"}"""));
        Assert.Equal(["mapping.nope"], (await ErrorsAsync(badMapping)).Keys);

        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        Assert.Equal(0u, await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue));
    }

    private static async Task<Dictionary<string, string[]>> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("errors").EnumerateObject().ToDictionary(e => e.Name, e => e.Value.EnumerateArray().Select(v => v.GetString()!).ToArray());
    }

    private static Task<HttpResponseMessage> PostAsync(InProcessProducer producer, string content, params (string Field, string Value)[] fields) =>
        PostAsync(producer, content, fields, "rows.csv");

    private static Task<HttpResponseMessage> PostAsync(InProcessProducer producer, string content, (string Field, string Value) field, string name) =>
        PostAsync(producer, content, [field], name);

    private static Task<HttpResponseMessage> PostAsync(InProcessProducer producer, string content, (string Field, string Value)[] fields, string name)
    {
        var form = new MultipartFormDataContent { FormParts.File(name, Encoding.UTF8.GetBytes(content), "manifest") };
        foreach (var (field, value) in fields)
        {
            form.Add(new StringContent(value), field);
        }

        return producer.Http.PostAsync("/api/batches/manifest", form);
    }

    private Task UploadAsync(params string[] names) => QueuedJobs.UploadPlaceholdersAsync(infrastructure, _suffix, names);

    private Task<List<RenderJob>> TakeJobsAsync(int count) => QueuedJobs.TakeDrawnAsync(infrastructure, _suffix, count);
}
