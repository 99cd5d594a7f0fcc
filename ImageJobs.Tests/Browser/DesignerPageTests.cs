using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ImageJobs.Tests.Support;
using Microsoft.Playwright;
using SkiaSharp;
using static ImageJobs.Tests.Support.DesignerDriver;
using static Microsoft.Playwright.Assertions;

namespace ImageJobs.Tests.Browser;

/// <summary>
/// The template designer in real headless Chromium: layers added, dragged with the mouse, nudged
/// with the keyboard and a finger, typed into, previewed by the real engine, and saved as a version.
/// </summary>
[Trait("Category", "Browser")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed class DesignerPageTests(LocalInfrastructure infrastructure, ITestOutputHelper output)
{
    private const int Width = 1200;
    private const int Height = 800;
    private static readonly SKColor Blank = new(200, 200, 200);
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_template_built_by_dragging_and_typing_is_previewed_and_saved_as_a_version()
    {
        Assert.True(Chromium.IsInstalled, $"{Chromium.Executable} is missing: scripts/setup.sh installs Debian's chromium.");
        var sources = infrastructure.Blobs().GetBlobContainerClient($"sources-{_suffix}");
        await sources.CreateIfNotExistsAsync();
        await sources.UploadBlobAsync("certificates/blank.png", BinaryData.FromBytes(Solid(Width, Height, Blank)));
        await sources.UploadBlobAsync("brand/logo.png", BinaryData.FromBytes(Solid(200, 200, new SKColor(30, 60, 200))));

        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        await using var chromium = await Chromium.LaunchAsync(producer.Address);
        await using var laptop = await chromium.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        var page = await laptop.NewPageAsync();
        await page.GotoAsync(new Uri(new Uri(producer.Address), "/designer.html").ToString());

        // The background: every image under a prefix, the first one chosen.
        await page.FillAsync("#source-prefix", "certificates/");
        await page.DispatchEventAsync("#source-prefix", "change");
        await Expect(page.Locator("#source")).ToHaveValueAsync("certificates/blank.png", new() { Timeout = 30_000 });
        await page.UntilAsync("document.getElementById('backdrop').complete && document.getElementById('backdrop').naturalWidth > 0", TimeSpan.FromSeconds(30));

        // The first text layer is there from the start: its text names a column, then its box is dragged.
        await page.FillAsync("#fields textarea", "{first} {last}");
        await DragAsync(page, "text-1", "move", to: (30, 20));
        // A second text layer, typed into and dragged (it starts where the first one did).
        await AddAsync(page, "text");
        await page.FillAsync("#fields textarea", "completed {course}");
        await DragAsync(page, "text-2", "move", to: (30, 55));
        await DragAsync(page, "text-2", "se", to: (70, 70));
        // A logo, from the sources, to the top-left corner; and a QR code made from the id column.
        await AddAsync(page, "image");
        await page.GetByLabel("Picture (a source's name, or {column})").FillAsync("brand/logo.png");
        await DragAsync(page, "image-1", "move", to: (3, 3));
        await AddAsync(page, "qr");
        await page.GetByLabel("Value ({column} placeholders)").FillAsync("https://example.org/v/{id}");
        await DragAsync(page, "qr-1", "move", to: (85, 75));

        // The keyboard moves the selected box; Alt+arrows resize it.
        var before = await BoxAsync(page, "qr-1");
        await page.Locator(".box.selected").FocusAsync();
        await page.Keyboard.PressAsync("ArrowLeft");
        await page.Keyboard.PressAsync("Shift+ArrowUp");
        await page.Keyboard.PressAsync("Alt+ArrowRight");
        var after = await BoxAsync(page, "qr-1");
        Assert.Equal(before.X - 0.5, after.X, 2);
        Assert.Equal(before.Y - 5, after.Y, 2);
        Assert.Equal(before.Width + 0.5, after.Width, 2);

        // A box dragged near the centre line snaps onto it.
        var title = await BoxAsync(page, "text-1");
        await DragAsync(page, "text-1", "move", to: (50 - title.Width / 2 + 0.8, title.Y));
        var snapped = await BoxAsync(page, "text-1");
        Assert.Equal(50, snapped.X + snapped.Width / 2, 1);

        // The row previewed: a field per column the layers name, rendered by the engine.
        await Expect(page.Locator("#values input")).ToHaveCountAsync(4);
        await page.FillAsync("#value-first", "Ada");
        await page.FillAsync("#value-last", "Lovelace");
        await page.FillAsync("#value-course", "Analytical Engines");
        await page.FillAsync("#value-id", "cert-0001");
        await Expect(page.Locator("#preview-message")).ToHaveTextAsync("certificates/blank.png, rendered by the engine", new() { Timeout = 30_000 });
        await page.Locator(".box[data-layer='qr-1']").FocusAsync();
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.Screenshots, "designer.png") });

        // Saved twice: two versions, the second as the page shows it now.
        var name = $"certificate-{_suffix}";
        await page.FillAsync("#template-name", name);
        await page.ClickAsync("#save");
        await Expect(page.Locator("#save-message")).ToHaveTextAsync($"saved {name} version 1", new() { Timeout = 30_000 });
        await page.Locator(".box.selected").FocusAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await page.ClickAsync("#save");
        await Expect(page.Locator("#save-message")).ToHaveTextAsync($"saved {name} version 2", new() { Timeout = 30_000 });

        var saved = (await producer.Http.GetFromJsonAsync<JsonObject>($"/api/templates/{name}"))!;
        output.WriteLine(saved.ToJsonString());
        Assert.Equal(2, (int)saved["version"]!);
        var layers = saved["layers"]!.AsArray();
        Assert.Equal(["text-1", "text-2", "image-1", "qr-1"], layers.Select(l => (string)l!["name"]!));
        Assert.Equal("{first} {last}", (string)layers[0]!["text"]!);
        Assert.Equal("https://example.org/v/{id}", (string)layers[3]!["value"]!);
        foreach (var layer in layers)
        {
            var shown = await BoxAsync(page, (string)layer!["name"]!);
            var box = layer["box"]!;
            Assert.Equal("Percent", (string)box["unit"]!);
            Assert.Equal(shown.X, (double)box["x"]!, 2);
            Assert.Equal(shown.Y, (double)box["y"]!, 2);
            Assert.Equal(shown.Width, (double)box["width"]!, 2);
            Assert.Equal(shown.Height, (double)box["height"]!, 2);
        }

        Assert.Equal("[]", await page.CspViolationsAsync());

        // A version saved elsewhere with what the designer does not edit (its result names): kept by the next save.
        var third = saved.DeepClone().AsObject();
        third["outputName"] = "{id}.png";
        (await producer.Http.PutAsJsonAsync($"/api/templates/{name}", third)).EnsureSuccessStatusCode();

        // A phone: the saved template loaded, a box dragged with a finger, nothing wider than the screen.
        await using var phone = await chromium.NewContextAsync(Chromium.Phone());
        var small = await phone.NewPageAsync();
        await small.GotoAsync(new Uri(new Uri(producer.Address), "/designer.html").ToString());
        await small.FillAsync("#source-prefix", "certificates/");
        await small.DispatchEventAsync("#source-prefix", "change");
        await small.FillAsync("#template-name", name);
        await small.UntilAsync("document.getElementById('backdrop').complete && document.getElementById('backdrop').naturalWidth > 0", TimeSpan.FromSeconds(30));
        await small.TapAsync("#load");
        await Expect(small.Locator("#save-message")).ToHaveTextAsync($"loaded {name} version 3", new() { Timeout = 30_000 });
        await small.Locator(".box[data-layer='image-1']").TapAsync();
        var logo = await BoxAsync(small, "image-1");
        await TouchDragAsync(small, "image-1", to: (logo.X + 20, logo.Y + 10));
        var moved = await BoxAsync(small, "image-1");
        Assert.InRange(moved.X - logo.X, 19, 21);
        Assert.InRange(moved.Y - logo.Y, 9, 11);
        await small.TapAsync("#save");
        await Expect(small.Locator("#save-message")).ToHaveTextAsync($"saved {name} version 4", new() { Timeout = 30_000 });
        var fourth = (await producer.Http.GetFromJsonAsync<JsonObject>($"/api/templates/{name}"))!;
        Assert.Equal("{id}.png", (string?)fourth["outputName"]);
        Assert.Equal(moved.X, (double)fourth["layers"]![2]!["box"]!["x"]!, 2);
        Assert.True(await small.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the designer is wider than a phone");
        await small.ScreenshotAsync(new() { Path = Path.Combine(Chromium.Screenshots, "designer-phone.png"), FullPage = true });
        Assert.Empty(chromium.OffHostRequests);
    }

    [Fact]
    public async Task The_font_list_offers_the_uploaded_families_and_a_template_saved_with_one_names_it()
    {
        Assert.True(Chromium.IsInstalled, $"{Chromium.Executable} is missing: scripts/setup.sh installs Debian's chromium.");
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        using var font = new ByteArrayContent(Rendering.UploadedFontTests.Face("DejaVuSansMono.ttf"));
        Assert.Equal(System.Net.HttpStatusCode.Created, (await producer.Http.PostAsync("/api/fonts", font)).StatusCode);
        await using var chromium = await Chromium.LaunchAsync(producer.Address);
        await using var context = await chromium.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(new Uri(producer.Address), "/designer.html").ToString());

        var family = page.GetByLabel("Font", new() { Exact = true });
        await Expect(family.Locator("option")).ToHaveTextAsync(["(default)", "Sans", "Serif", Rendering.UploadedFontTests.Mono], new() { Timeout = 30_000 });
        await family.SelectOptionAsync(Rendering.UploadedFontTests.Mono);
        await page.FillAsync("#fields textarea", "Hello");
        await page.FillAsync("#template-name", "mono-badge");
        await page.ClickAsync("#save");

        await Expect(page.Locator("#save-message")).ToHaveTextAsync("saved mono-badge version 1", new() { Timeout = 30_000 });
        var saved = (await producer.Http.GetFromJsonAsync<JsonObject>("/api/templates/mono-badge"))!;
        Assert.Equal(Rendering.UploadedFontTests.Mono, (string?)saved["layers"]![0]!["style"]!["fontFamily"]);
    }

    /// <summary>A finger's drag, as touch pointer events (Playwright's touchscreen only taps).</summary>
    private static async Task TouchDragAsync(IPage page, string layer, (double X, double Y) to)
    {
        var stage = (await page.Locator("#boxes").BoundingBoxAsync())!;
        var box = await BoxAsync(page, layer);
        var start = (X: stage.X + box.X / 100 * stage.Width + 8, Y: stage.Y + box.Y / 100 * stage.Height + 8);
        var end = (X: stage.X + to.X / 100 * stage.Width + 8, Y: stage.Y + to.Y / 100 * stage.Height + 8);
        await page.EvaluateAsync("""
            ([layer, start, end]) => {
              const target = document.querySelector(`.box[data-layer='${layer}']`);
              const at = ([x, y]) => ({ bubbles: true, cancelable: true, pointerId: 7, pointerType: 'touch', isPrimary: true, button: 0, buttons: 1, clientX: x, clientY: y });
              target.dispatchEvent(new PointerEvent('pointerdown', at(start)));
              const boxes = document.getElementById('boxes');
              for (let i = 1; i <= 6; i++) {
                const p = [start[0] + (end[0] - start[0]) * i / 6, start[1] + (end[1] - start[1]) * i / 6];
                boxes.dispatchEvent(new PointerEvent('pointermove', at(p)));
              }
              boxes.dispatchEvent(new PointerEvent('pointerup', { ...at(end), buttons: 0 }));
            }
            """, new object[] { layer, new[] { start.X, start.Y }, new[] { end.X, end.Y } });
    }

    private static byte[] Solid(int width, int height, SKColor color)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(color);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
