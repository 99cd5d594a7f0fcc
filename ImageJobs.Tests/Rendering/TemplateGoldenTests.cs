using ImageJobs.Rendering;
using ImageJobs.Rendering.Templates;

namespace ImageJobs.Tests.Rendering;

/// <summary>One golden image per layer kind, for rich spans, and for a five-layer template (<see cref="GoldenImages"/>).</summary>
[Trait("Category", "Rendering")]
[Trait("Category", "Golden")]
public class TemplateGoldenTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    public static TextBoxStyle Percent(double x, double y, double width, double height) =>
        new() { Unit = BoxUnit.Percent, X = x, Y = y, Width = width, Height = height };

    public static IReadOnlyDictionary<string, ReadOnlyMemory<byte>> Images { get; } = new Dictionary<string, ReadOnlyMemory<byte>>
    {
        ["logo.png"] = TestImages.Logo(120, 80),
        ["photo.jpg"] = TestImages.Gradient(300, 200, SkiaSharp.SKEncodedImageFormat.Jpeg),
    };

    /// <summary>A price tag: band, name, price with a struck-through old price, logo, EAN-13 and QR code.</summary>
    public static Template FiveLayers(string name = "Espresso cup", string price = "[s][size=0.6]$12.00[/size][/s] [b]$9.50[/b]") => new()
    {
        Layers =
        [
            new ShapeLayer { Name = "band", Box = Percent(0, 0, 100, 30), Fill = "#10203080" },
            new TextLayer { Name = "name", Box = Percent(4, 2, 60, 26), Text = name, Style = new TextStyle { Anchor = Anchor.MiddleLeft, Align = TextAlignment.Left, OutlineRatio = 0 } },
            new TextLayer { Name = "price", Box = Percent(4, 34, 60, 24), Text = price, Style = new TextStyle { Anchor = Anchor.MiddleLeft, Color = "#FFD700" } },
            new ImageLayer { Name = "logo", Box = Percent(70, 2, 26, 26), ImageName = "logo.png", Anchor = Anchor.MiddleRight },
            new BarcodeLayer { Name = "ean", Box = Percent(4, 62, 60, 34), Value = "4006381333931", Symbology = BarcodeSymbology.Ean13 },
            new QrLayer { Name = "qr", Box = Percent(68, 40, 30, 58), Value = "https://example.org/p/4006381333931", Anchor = Anchor.BottomRight },
        ],
    };

    public static TheoryData<string, Template> Cases => new()
    {
        {
            "template-text-layers", new Template
            {
                Layers =
                [
                    new TextLayer { Name = "title", Box = Percent(5, 5, 90, 40), Anchor = Anchor.TopCenter, Text = "Certificate of Completion" },
                    new TextLayer
                    {
                        Name = "subtitle", Box = Percent(5, 60, 90, 35), Opacity = 0.8,
                        Text = "awarded to Ada Lovelace for outstanding work on the analytical engine",
                        Style = new TextStyle { Bold = false, FontFamily = FontLibrary.SerifFamily, MaxLines = 1, LetterSpacing = 0.08, FontSizeRatio = 0.1 },
                    },
                ],
            }
        },
        {
            "template-rich-spans", new Template
            {
                Layers =
                [
                    new TextLayer
                    {
                        Name = "rich", Box = Percent(5, 5, 90, 90), Anchor = Anchor.Center,
                        Text = "Plain [b]bold[/b] [i]italic[/i]\n[color=#FF4040]red[/color] [size=1.6]big[/size] [s]$20[/s] [[tag]",
                        Style = new TextStyle { Bold = false, FontSizeRatio = 0.12, AutoFit = false },
                    },
                ],
            }
        },
        {
            "template-image", new Template
            {
                Layers =
                [
                    new ImageLayer { Name = "logo", Box = Percent(5, 5, 40, 40), ImageName = "logo.png", Fit = ImageFit.Contain, Anchor = Anchor.TopLeft },
                    new ImageLayer { Name = "cover", Box = Percent(55, 5, 40, 90), ImageName = "photo.jpg", Fit = ImageFit.Cover, CornerRadius = 0.15 },
                    new ImageLayer { Name = "stretch", Box = Percent(5, 55, 40, 40), ImageName = "logo.png", Fit = ImageFit.Stretch, Opacity = 0.6 },
                ],
            }
        },
        { "template-qr", new Template { Layers = [new QrLayer { Name = "qr", Box = Percent(10, 10, 80, 80), Value = "https://example.org/verify/12345", ErrorCorrection = QrErrorCorrection.Q }] } },
        { "template-barcode", new Template { Layers = [new BarcodeLayer { Name = "ean", Box = Percent(5, 20, 90, 60), Value = "4006381333931", Symbology = BarcodeSymbology.Ean13, Background = "#FFFFFFCC" }] } },
        {
            "template-shapes", new Template
            {
                Layers =
                [
                    new ShapeLayer { Name = "band", Box = Percent(0, 70, 100, 30), Fill = "#000000AA" },
                    new ShapeLayer { Name = "label", Box = Percent(10, 10, 50, 40), Shape = ShapeKind.RoundedRectangle, CornerRadius = 0.3, Fill = "#FFFFFF", Stroke = "#D03030", StrokeWidth = 0.08 },
                    new ShapeLayer { Name = "frame", Box = Percent(65, 10, 30, 40), Stroke = "#30D030", StrokeWidth = 0.1, Opacity = 0.5 },
                ],
            }
        },
        { "template-five-layers", FiveLayers() },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Render_matches_golden(string name, Template template)
    {
        var source = TestImages.Gradient(320, 200);
        var rendered = fixture.Renderer.Render(source, template with { Output = new OutputStyle { Format = OutputFormat.Png } }, Images);

        GoldenImages.AssertMatches(name, rendered);
    }
}
