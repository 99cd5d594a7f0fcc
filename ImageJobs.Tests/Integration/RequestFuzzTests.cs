using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;
using ImageJobs.Tests.Support;
using Microsoft.Extensions.Logging;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// Property: no request body from outside makes the producer fail. Thousands of generated bodies,
/// malformed and at the boundaries (wrong JSON types, unknown enum names, numbers JSON or a CSV
/// cell cannot hold, names that climb out, truncated or deeply nested JSON, broken multipart,
/// junk zips), sent to every endpoint that takes a body, in Development and in Production. Fails
/// on any 5xx, on an error logged while serving, and on a 400 that names nothing.
/// </summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class RequestFuzzTests(LocalInfrastructure infrastructure, ITestOutputHelper output)
{
    private const string Key = "a-key-for-the-request-fuzz-tests-012345";
    private const int Iterations = 1500;
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    /// <summary>Values a field may be given: right and wrong types, boundaries, hostile strings.</summary>
    private static readonly Gen<string> Value = Gen.OneOf(
        Gen.Const("0"), Gen.Const("-1"), Gen.Const("3.5"), Gen.Const("1e308"), Gen.Const("1e999"), Gen.Const("-0"), Gen.Const("99999999999999999999"),
        Gen.Const("true"), Gen.Const("null"), Gen.Const("[]"), Gen.Const("{}"), Gen.Const("[1,\"x\",null]"), Gen.Const("{\"a\":{\"b\":[]}}"),
        Gen.Const("\"\""), Gen.Const("\"NaN\""), Gen.Const("\"Infinity\""), Gen.Const("\"#FFD700\""), Gen.Const("\"#GGG\""), Gen.Const("\"Center\""),
        Gen.Const("\"Pixels\""), Gen.Const("\"Inches\""), Gen.Const("\"../results/x.jpg\""), Gen.Const("\"a/./b.jpg\""), Gen.Const("\"/abs.jpg\""),
        Gen.Const("\"a\\\\b.jpg\""), Gen.Const("\"tab\\tname\""), Gen.Const("\"nul\\u0000\""), Gen.Const("\"\\ud800\""), Gen.Const("\"a.jpg\""),
        Gen.Const("\"{name}{name}{name}{meta:k}\""), Gen.Const("\"AAAA\""),
        Gen.Int[1, 6000].Select(n => "\"" + new string('x', n) + "\""),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "0"),
        Gen.String[0, 20].Select(s => JsonSerializer.Serialize(s)));

    private static readonly string[] StyleFields =
        ["fontSizeRatio", "minFontSizeRatio", "autoFit", "fontFamily", "bold", "color", "outlineColor", "outlineRatio", "opacity", "lineSpacing",
         "align", "anchor", "offsetX", "offsetY", "overflow", "box", "shadow", "background", "output", "unknown"];

    private static readonly string[] NestedFields = ["unit", "x", "y", "width", "height", "color", "offsetX", "blur", "padding", "cornerRadius", "format", "quality"];

    private static Gen<string> Object(string[] fields, Gen<string> value) =>
        Gen.Int[0, fields.Length - 1].Select(value).Array[0, 5]
            .Select(pairs => "{" + string.Join(",", pairs.Select(p => $"\"{fields[p.Item1]}\":{p.Item2}")) + "}");

    private static readonly Gen<string> Style = Gen.Frequency(
        (3, Object(StyleFields, Gen.Frequency((4, Value), (1, Object(NestedFields, Value))))),
        (1, Value));

    private static readonly Gen<string> Item = Gen.Select(Gen.Frequency((3, Gen.Const("\"a.jpg\"")), (2, Value)), Gen.Frequency((3, Gen.Const("\"x\"")), (1, Value)), Style,
        (source, text, style) => $"{{\"source\":{source},\"text\":{text},\"style\":{style}}}");

    private static readonly Gen<string> Batch = Gen.OneOf(
        Item.Array[0, 4].Select(Style, (items, style) => $"{{\"items\":[{string.Join(",", items)}],\"style\":{style}}}"),
        Gen.Select(Value, Value, Style, (prefix, template, style) => $"{{\"prefix\":{prefix},\"template\":{template},\"style\":{style}}}"),
        Gen.Select(Value, Value, (items, prefix) => $"{{\"items\":{items},\"prefix\":{prefix}}}"));

    private static readonly string[] LayerFields =
        ["name", "box", "anchor", "opacity", "visible", "text", "markup", "style", "imageName", "fit", "cornerRadius", "value", "errorCorrection",
         "symbology", "color", "background", "quietZone", "shape", "fill", "stroke", "strokeWidth"];

    private static readonly Gen<string> Placeholders = Gen.OneOf(
        Gen.Const("\"{a}\""), Gen.Const("\"{a\""), Gen.Const("\"}}{{\""), Gen.Const("\"[b]{a}[/b]\""), Gen.Const("\"{meta:k}{index}\""), Gen.Const("\"{a}/../{a}.jpg\""));

    private static readonly Gen<string> Layer = Gen.Select(
        Gen.OneOf(Gen.Const("\"text\""), Gen.Const("\"image\""), Gen.Const("\"qr\""), Gen.Const("\"barcode\""), Gen.Const("\"shape\""), Value),
        Object(LayerFields, Gen.Frequency((4, Value), (2, Placeholders), (1, Style))),
        (kind, rest) => rest.Length == 2 ? $"{{\"kind\":{kind}}}" : $"{{\"kind\":{kind},{rest[1..]}");

    private static readonly Gen<string> Layers = Gen.Frequency((4, Layer.Array[0, 4].Select(layers => $"[{string.Join(",", layers)}]")), (1, Value));

    private static readonly Gen<string> Template = Gen.Select(Gen.OneOf(Gen.Const("\"fuzz\""), Value), Layers, Object(NestedFields, Value),
        (name, layers, output) => $"{{\"name\":{name},\"layers\":{layers},\"output\":{output}}}");

    private static readonly Gen<string> LayeredBatch = Gen.Select(Layers, Gen.Frequency((3, Gen.Const("\"a.jpg\"")), (1, Value)), Gen.OneOf(Value, Placeholders), Value,
        (layers, source, a, version) => $"{{\"inlineTemplate\":{{\"layers\":{layers}}},\"items\":[{{\"source\":{source},\"values\":{{\"a\":{a}}}}}],\"templateVersion\":{version}}}");

    private static readonly Gen<string> Preview = Gen.Select(Gen.Frequency((3, Gen.Const("\"a.jpg\"")), (2, Value)), Gen.Frequency((1, Gen.Const("null")), (1, Value)),
        Value, Style, (source, image, text, style) => $"{{\"source\":{source},\"image\":{image},\"text\":{text},\"style\":{style}}}");

    private static readonly Gen<string> Requeue = Gen.OneOf(Value.Array[0, 3].Select(ids => $"{{\"jobIds\":[{string.Join(",", ids)}]}}"), Value.Select(v => $"{{\"jobIds\":{v}}}"), Value);

    /// <summary>JSON that is not JSON: cut short, nested past any depth, or bytes.</summary>
    private static readonly Gen<string> Broken = Gen.OneOf(
        Batch.Select(Gen.Int[0, 100], (json, cut) => json[..Math.Min(json.Length, cut)]),
        Gen.Int[60, 3000].Select(depth => new string('[', depth) + new string(']', depth)),
        Gen.Int[60, 3000].Select(depth => string.Concat(Enumerable.Repeat("{\"style\":", depth)) + "1" + new string('}', depth)),
        Gen.String[0, 50]);

    /// <summary>A CSV cell: values a style column may be given, and text a CSV parser may choke on.</summary>
    private static readonly Gen<string> Cell = Gen.OneOf(
        Gen.Const("NaN"), Gen.Const("1e999"), Gen.Const("-Infinity"), Gen.Const("0.1"), Gen.Const("true"), Gen.Const("#FFD700"), Gen.Const("red"),
        Gen.Const("Pixels"), Gen.Const("../x.jpg"), Gen.Const("a.jpg"), Gen.Const("\"unclosed"), Gen.Const("\"{\"\"color\"\":1}\""),
        Gen.Const("\"{\"\"a\"\":1,\"\"a\"\":2}\""), Gen.Const(""), Gen.String[0, 10].Select(s => s.Replace(",", "", StringComparison.Ordinal)));

    private static readonly string[] Columns = ["image", "text", "color", "fontSizeRatio", "shadow.color", "style", "box.unit", "box", "anchor", "output.quality", "x.y.z"];

    private static readonly Gen<string> Csv = Gen.Int[0, Columns.Length - 1].Array[1, 6].SelectMany(header =>
        Cell.Array[header.Length, header.Length].Array[0, 4].Select(rows =>
            string.Join(",", header.Select(h => Columns[h])) + "\n" + string.Join("\n", rows.Select(r => string.Join(",", r)))));

    private static readonly Gen<string> JsonLines = Gen.OneOf(Item, Value, Broken).Array[0, 4].Select(rows => string.Join("\n", rows));

    private static readonly Gen<Attempt> Json = Gen.OneOf(
        Gen.Select(Gen.OneOf(Batch, Broken), body => Attempt.Json("/api/batches", body)),
        Gen.Select(Gen.OneOf(Preview, Broken), body => Attempt.Json("/api/preview", body)),
        Gen.Select(Gen.OneOf(Requeue, Broken), body => Attempt.Json("/api/batches/b/requeue", body)),
        Gen.Select(Gen.OneOf(Template, Broken), body => Attempt.Json("/api/templates", body)),
        Gen.Select(LayeredBatch, body => Attempt.Json("/api/batches", body)),
        Gen.Select(Batch, Gen.OneOf(Gen.Const("text/plain"), Gen.Const("application/xml"), Gen.Const("multipart/form-data; boundary=x")),
            (body, type) => new Attempt("/api/batches", type, Encoding.UTF8.GetBytes(body))));

    private static readonly Gen<Attempt> Multipart = Gen.OneOf(
        Gen.Select(Gen.OneOf(Csv, JsonLines), Gen.OneOf(Gen.Const("m.csv"), Gen.Const("m.jsonl"), Gen.Const("m.txt"), Gen.Const("")), Gen.OneOf(Style, Broken),
            (manifest, name, style) => Attempt.Form("/api/batches/manifest", [("manifest", name, Encoding.UTF8.GetBytes(manifest)), ("style", null, Encoding.UTF8.GetBytes(style))])),
        Gen.Select(Gen.OneOf(Gen.Const("a.jpg"), Gen.Const("../up.jpg"), Gen.Const("x.zip"), Gen.Const("c:\\x.jpg"), Gen.Const("tab\t.png"), Gen.Const(""), Gen.String[0, 300]),
            Gen.OneOf(Gen.Const(""), Gen.Const("up/"), Gen.Const("../"), Gen.Const("%2e%2e/"), Gen.String[0, 20]), Gen.Byte.Array[0, 64],
            (name, prefix, bytes) => Attempt.Form("/api/sources?prefix=" + Uri.EscapeDataString(prefix), [("files", name, bytes)])),
        Gen.Select(Gen.OneOf(Gen.Const("/api/sources?prefix=up"), Gen.Const("/api/batches/manifest")), Gen.String[0, 200],
            (path, body) => new Attempt(path, "multipart/form-data; boundary=xyz", Encoding.UTF8.GetBytes("--xyz\r\n" + body))));

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task No_generated_body_makes_any_endpoint_fail_or_answer_a_400_that_names_nothing(string environment)
    {
        await ServiceHosts.ResetQueuesAsync(infrastructure);
        var logs = new CapturingLoggerProvider();
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix,
            new Dictionary<string, string?> { ["Access:Key"] = Key, ["Demo:Enabled"] = "false" }, builder => builder.Logging.AddProvider(logs), environment);
        producer.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        var statuses = new ConcurrentDictionary<int, int>();

        var errors = () => logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Category}: {e.Message} {e.Exception}").ToList();
        using var dump = new Finally(() => errors().Take(3).ToList().ForEach(output.WriteLine));
        await Gen.Frequency((3, Json), (1, Multipart)).SampleAsync(async attempt =>
        {
            using var response = await producer.Http.SendAsync(attempt.Request());
            var body = await response.Content.ReadAsStringAsync();
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {attempt}: {body}");
            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType)
            {
                Assert.True(NamesSomething(body), $"a {(int)response.StatusCode} that names nothing for {attempt}: {body}");
            }
        }, iter: Iterations, threads: 4, print: attempt => attempt.ToString());

        output.WriteLine(string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")));
        var logged = errors();
        Assert.True(logged.Count == 0, string.Join("\n", logged.Take(5)));
        // The property was tested on bodies the endpoints took apart, not only on ones refused at the door.
        Assert.True(statuses.GetValueOrDefault(400) > Iterations / 4, "too few 400s: the generators miss the endpoints");
    }

    /// <summary>Runs an action on dispose: the errors logged are shown however the property ends.</summary>
    private sealed class Finally(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    /// <summary>A 400 names what is wrong: a field with a message, or (an upload) each refused file with its reason.</summary>
    private static bool NamesSomething(string body)
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            return errors.EnumerateObject().Any() && errors.EnumerateObject().All(e =>
                e.Name.Length > 0 && e.Value.ValueKind == JsonValueKind.Array && e.Value.EnumerateArray().Any(m => m.GetString() is { Length: > 0 }));
        }

        return root.TryGetProperty("rejected", out var rejected) && rejected.ValueKind == JsonValueKind.Array && rejected.GetArrayLength() > 0
            && rejected.EnumerateArray().All(r => r.GetProperty("reason").GetString() is { Length: > 0 });
    }

    /// <summary>One request: where, as what, and the bytes.</summary>
    private sealed record Attempt(string Path, string ContentType, byte[] Body, IReadOnlyList<(string Field, string? FileName, byte[] Bytes)>? Parts = null)
    {
        public static Attempt Json(string path, string body) => new(path, "application/json", Encoding.UTF8.GetBytes(body));

        public static Attempt Form(string path, IReadOnlyList<(string Field, string? FileName, byte[] Bytes)> parts) => new(path, "multipart/form-data", [], parts);

        /// <summary>The request; multipart bodies are written by hand, so a hostile file name reaches the producer as it is.</summary>
        public HttpRequestMessage Request()
        {
            var content = new ByteArrayContent(Parts is null ? Body : FormBody(Parts));
            content.Headers.TryAddWithoutValidation("Content-Type", Parts is null ? ContentType : "multipart/form-data; boundary=fuzz-boundary");
            return new HttpRequestMessage(HttpMethod.Post, Path) { Content = content };
        }

        private static byte[] FormBody(IReadOnlyList<(string Field, string? FileName, byte[] Bytes)> parts)
        {
            using var body = new MemoryStream();
            foreach (var (field, fileName, bytes) in parts)
            {
                var file = fileName is null ? string.Empty : $"; filename=\"{fileName}\"";
                body.Write(Encoding.UTF8.GetBytes($"--fuzz-boundary\r\nContent-Disposition: form-data; name=\"{field}\"{file}\r\n\r\n"));
                body.Write(bytes);
                body.Write("\r\n"u8);
            }

            body.Write("--fuzz-boundary--\r\n"u8);
            return body.ToArray();
        }

        public override string ToString() => Parts is null
            ? $"POST {Path} ({ContentType}) {Cut(Body, 400)}"
            : $"POST {Path} parts: {string.Join("; ", Parts.Select(p => $"{p.Field} {p.FileName}: {Cut(p.Bytes, 200)}"))}";

        private static string Cut(byte[] bytes, int length)
        {
            var text = Encoding.UTF8.GetString(bytes);
            return text.Length <= length ? text : text[..length] + "…";
        }
    }
}
