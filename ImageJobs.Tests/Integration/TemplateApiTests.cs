using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Templates;
using ImageJobs.Messaging;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Templates;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Integration;

/// <summary>/api/templates and layered batches, in process, against a real RabbitMQ and a real Azurite.</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class TemplateApiTests(LocalInfrastructure infrastructure)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    private static readonly JobLayer[] Certificate =
    [
        new("text", "name", Text: "{first} {last}"),
        new("qr", "verify", Value: "https://example.org/verify/{id}"),
        new("image", "logo", ImageName: "brand/logo.png"),
    ];

    [Fact]
    public async Task Every_save_is_a_new_version_and_every_version_stays_readable_until_the_template_is_deleted()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var http = producer.Http;

        using var created = await http.PostAsJsonAsync("/api/templates", new { name = "certificate", layers = Certificate });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/templates/certificate", created.Headers.Location?.OriginalString);
        Assert.Equal(1, (await created.Content.ReadFromJsonAsync<StoredTemplate>())!.Version);
        Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsJsonAsync("/api/templates", new { name = "certificate", layers = Certificate })).StatusCode);

        using var updated = await http.PutAsJsonAsync("/api/templates/certificate", new { layers = Certificate[..1], output = new { format = "Png" } });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(2, (await updated.Content.ReadFromJsonAsync<StoredTemplate>())!.Version);

        var newest = await http.GetFromJsonAsync<StoredTemplate>("/api/templates/certificate");
        var first = await http.GetFromJsonAsync<StoredTemplate>("/api/templates/certificate/versions/1");
        Assert.Equal((2, 1, "Png"), (newest!.Version, newest.Layers.Count, newest.Output?.Format));
        Assert.Equal((1, 3), (first!.Version, first.Layers.Count));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/templates/certificate/versions/3")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PutAsJsonAsync("/api/templates/absent", new { layers = Certificate })).StatusCode);

        // Listed by name, newest version each, paged like batches.
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/templates", new { name = "badge", layers = Certificate[..1] })).StatusCode);
        using var page = await http.GetAsync("/api/templates?limit=1");
        var firstPage = await page.Content.ReadFromJsonAsync<List<TemplateSummary>>();
        var token = Assert.Single(page.Headers.GetValues("Continuation-Token"));
        var secondPage = await http.GetFromJsonAsync<List<TemplateSummary>>($"/api/templates?limit=1&continuation={Uri.EscapeDataString(token)}");
        Assert.Equal([("badge", 1), ("certificate", 2)], firstPage!.Concat(secondPage!).Select(t => (t.Name, t.Version)));
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/templates?limit=0")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("/api/templates/certificate")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/templates/certificate")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/templates/certificate/versions/1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync("/api/templates/certificate")).StatusCode);
    }

    [Fact]
    public async Task An_invalid_template_is_refused_by_path_and_not_saved()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);

        using var response = await producer.Http.PostAsJsonAsync("/api/templates", new
        {
            name = "broken",
            layers = new object[] { new { kind = "text", name = "t", text = "{first", box = new { unit = "Pixels", width = -1 } }, new { kind = "barcode", name = "b", value = "123", symbology = "Ean13" } },
        });
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["layers[0].box.width", "layers[0].text", "layers[1].value"], errors.Order());
        Assert.Equal(HttpStatusCode.BadRequest, (await producer.Http.PostAsJsonAsync("/api/templates", new { name = "../x", layers = Certificate })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await producer.Http.GetAsync("/api/templates/broken")).StatusCode);
    }

    [Fact]
    public async Task A_batch_uses_the_exact_version_it_names_and_an_edit_changes_no_job_already_published()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await UploadAsync("in/a.jpg", "in/b.jpg", "brand/logo.png");
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var http = producer.Http;
        await http.PostAsJsonAsync("/api/templates", new { name = "certificate", layers = Certificate });
        object[] rows =
        [
            new { source = "in/a.jpg", values = new Dictionary<string, string> { ["first"] = "Ada", ["last"] = "Lovelace", ["id"] = "0042" } },
            new { source = "in/b.jpg", values = new Dictionary<string, string> { ["first"] = "Alan", ["last"] = "[Turing]", ["id"] = "0043" } },
        ];

        using var accepted = await http.PostAsJsonAsync("/api/batches", new { templateName = "certificate", items = rows });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var batch = (await accepted.Content.ReadFromJsonAsync<BatchAccepted>())!;
        Assert.Equal(("certificate", 1), (batch.TemplateName, batch.TemplateVersion));

        // Edited after publishing: the batch still draws version 1, which it stored.
        await http.PutAsJsonAsync("/api/templates/certificate", new { layers = new[] { new JobLayer("text", "name", Text: "{last}") } });
        var jobs = await TakeJobsAsync(2);
        Assert.All(jobs, job => Assert.Equal((RenderJob.BatchTemplateSchemaVersion, "certificate", 1), (job.SchemaVersion, job.Template!.Name, job.Template.Version)));
        Assert.Equal(["Ada Lovelace", "Alan [[Turing]"], jobs.Select(j => j.Template!.Layers[0].Text));
        Assert.Equal("https://example.org/verify/0043", jobs[1].Template!.Layers[1].Value);
        Assert.Null(jobs[0].Text);

        // Naming version 1 after version 2 exists draws version 1; naming none, the newest.
        using var pinned = await http.PostAsJsonAsync("/api/batches", new { templateName = "certificate", templateVersion = 1, items = rows });
        Assert.Equal(1, (await pinned.Content.ReadFromJsonAsync<BatchAccepted>())!.TemplateVersion);
        Assert.Equal(3, (await TakeJobsAsync(2))[0].Template!.Layers.Count);
        using var newest = await http.PostAsJsonAsync("/api/batches", new { templateName = "certificate", items = rows });
        Assert.Equal(2, (await newest.Content.ReadFromJsonAsync<BatchAccepted>())!.TemplateVersion);
        Assert.Equal("[[Turing]", (await TakeJobsAsync(2))[1].Template!.Layers[0].Text);
    }

    [Fact]
    public async Task A_batch_with_a_bad_row_is_refused_by_row_and_publishes_nothing()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await UploadAsync("in/a.jpg", "products/p1.jpg");
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var inline = new TemplateDefinition
        {
            Layers =
            [
                new JobLayer("text", "price", Text: "{price}"),
                new JobLayer("barcode", "ean", Value: "{ean}", Symbology: "Ean13"),
                new JobLayer("image", "photo", ImageName: "products/{sku}.jpg"),
            ],
        };
        Dictionary<string, string> Row(string? price, string ean, string sku)
        {
            var row = new Dictionary<string, string> { ["ean"] = ean, ["sku"] = sku };
            if (price is not null)
            {
                row["price"] = price;
            }

            return row;
        }

        using var refused = await producer.Http.PostAsJsonAsync("/api/batches", new
        {
            inlineTemplate = inline,
            items = new[]
            {
                new BatchItem("in/a.jpg", null, Values: Row("1.00", "4006381333931", "p1")),
                new BatchItem("in/a.jpg", null, Values: Row(null, "4006381333931", "p1")),
                new BatchItem("in/a.jpg", null, Values: Row("1.00", "4006381333932", "p1")),
            },
        });
        var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("column \"price\" is missing", errors.GetProperty("items[1]")[0].GetString());
        Assert.StartsWith("layers[1].value: ", errors.GetProperty("items[2]")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(2, errors.EnumerateObject().Count());

        // Every row valid, but a picture that one row names is not there.
        using var missing = await producer.Http.PostAsJsonAsync("/api/batches", new
        {
            inlineTemplate = inline,
            items = new[] { new BatchItem("in/a.jpg", null, Values: Row("1.00", "4006381333931", "p1")), new BatchItem("in/a.jpg", null, Values: Row("2.00", "4006381333931", "p2")) },
        });
        var missingErrors = (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("'products/p2.jpg' is not in container", missingErrors.GetProperty("items[1]")[0].GetString(), StringComparison.Ordinal);

        // A layered batch takes no text or style; a caption batch no values; a name that does not exist is named.
        using var mixed = await producer.Http.PostAsJsonAsync("/api/batches", new { templateName = "absent", items = new[] { new { source = "in/a.jpg", text = "x" } }, style = new { color = "#FFFFFF" } });
        var mixedErrors = (await mixed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(e => e.Name).Order().ToList();
        Assert.Equal(["items[0].text", "style"], mixedErrors);
        using var absent = await producer.Http.PostAsJsonAsync("/api/batches", new { templateName = "absent", items = new[] { new { source = "in/a.jpg" } } });
        Assert.Equal("No template 'absent'.", (await absent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("templateName")[0].GetString());

        await using var connection = await infrastructure.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        Assert.Equal(0u, await ServiceHosts.ReadyCountAsync(channel, JobTopology.JobsQueue));
    }

    [Fact]
    public async Task Results_are_named_by_the_output_name_pattern_and_names_that_collide_or_climb_out_are_refused()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await UploadAsync("in/a.jpg", "brand/logo.png");
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        await producer.Http.PostAsJsonAsync("/api/templates", new { name = "certificate", layers = Certificate, outputName = "{id}-{last}.png" });
        object Row(string last, string id) => new { source = "in/a.jpg", values = new Dictionary<string, string> { ["first"] = "A", ["last"] = last, ["id"] = id } };

        using var accepted = await producer.Http.PostAsJsonAsync("/api/batches", new { templateName = "certificate", items = new[] { Row("Lovelace", "0042"), Row("Turing", "0043") } });
        var batch = (await accepted.Content.ReadFromJsonAsync<BatchAccepted>())!;
        Assert.Equal([$"{batch.BatchId}/0042-Lovelace.png", $"{batch.BatchId}/0043-Turing.png"], (await TakeJobsAsync(2)).Select(j => j.ResultBlob));

        // The batch's pattern over the template's: names that collide (extension and case aside) or hold a path are refused by row.
        using var refused = await producer.Http.PostAsJsonAsync("/api/batches", new
        {
            templateName = "certificate",
            outputName = "{last}.jpg",
            items = new[] { Row("Lovelace", "1"), Row("LOVELACE", "2"), Row("../up", "3") },
        });
        var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("outputName: 'LOVELACE.jpg' is also the result name of items[0]", errors.GetProperty("items[1]")[0].GetString());
        Assert.Contains("holds '/'", errors.GetProperty("items[2]")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await producer.Http.PostAsJsonAsync("/api/templates", new { name = "bad", layers = Certificate, outputName = "a/b.png" })).StatusCode);
    }

    [Fact]
    public async Task A_prefix_batch_fills_a_stored_template_from_each_source()
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        await UploadAsync("cards/x.jpg", "cards/y.jpg");
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        await producer.Http.PostAsJsonAsync("/api/templates", new { name = "card", layers = new[] { new JobLayer("text", "t", Text: "{stem} #{index}") } });

        using var accepted = await producer.Http.PostAsJsonAsync("/api/batches", new { prefix = "cards/", templateName = "card" });

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(["x #1", "y #2"], (await TakeJobsAsync(2)).Select(j => j.Template!.Layers[0].Text));
    }

    private Task UploadAsync(params string[] names) => QueuedJobs.UploadPlaceholdersAsync(infrastructure, _suffix, names);

    private Task<List<RenderJob>> TakeJobsAsync(int count) => QueuedJobs.TakeDrawnAsync(infrastructure, _suffix, count);
}
