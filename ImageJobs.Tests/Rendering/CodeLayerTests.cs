using ImageJobs.Contracts;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Templates;
using ImageJobs.Tests.Support;
using SkiaSharp;
using ZXing;

namespace ImageJobs.Tests.Rendering;

/// <summary>Every QR code and barcode the engine draws reads back to its value with ZXing's reader; bad values are refused.</summary>
[Trait("Category", "Rendering")]
public class CodeLayerTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    private static readonly TextBoxStyle Middle = new() { Unit = BoxUnit.Percent, X = 10, Y = 10, Width = 80, Height = 80 };

    public static TheoryData<string, QrErrorCorrection> QrValues => new()
    {
        { "https://example.org/verify/000123", QrErrorCorrection.M },
        { "HELLO WORLD 42", QrErrorCorrection.L },
        { "Zoë, Ελληνικά, 日本語 ✓", QrErrorCorrection.Q },
        { string.Concat(Enumerable.Repeat("0123456789", 30)), QrErrorCorrection.H },
    };

    [Theory]
    [MemberData(nameof(QrValues))]
    public void A_qr_code_decodes_to_its_value(string value, QrErrorCorrection level)
    {
        var template = new Template { Layers = [new QrLayer { Name = "qr", Box = Middle, Value = value, ErrorCorrection = level }] };

        var read = Decode(Render(template, 480, 480), BarcodeFormat.QR_CODE);

        Assert.Equal(value, read.Text);
    }

    [Theory]
    [InlineData("ABC-12345-xyz", BarcodeSymbology.Code128, BarcodeFormat.CODE_128, "ABC-12345-xyz")]
    [InlineData("Order #4711 / 2026", BarcodeSymbology.Code128, BarcodeFormat.CODE_128, "Order #4711 / 2026")]
    [InlineData("4006381333931", BarcodeSymbology.Ean13, BarcodeFormat.EAN_13, "4006381333931")]
    [InlineData("400638133393", BarcodeSymbology.Ean13, BarcodeFormat.EAN_13, "4006381333931")]
    [InlineData("036000291452", BarcodeSymbology.UpcA, BarcodeFormat.UPC_A, "036000291452")]
    [InlineData("03600029145", BarcodeSymbology.UpcA, BarcodeFormat.UPC_A, "036000291452")]
    public void A_barcode_decodes_to_its_value(string value, BarcodeSymbology symbology, BarcodeFormat format, string expected)
    {
        var template = new Template { Layers = [new BarcodeLayer { Name = "bars", Box = Middle, Value = value, Symbology = symbology }] };

        var read = Decode(Render(template, 640, 240), format);

        Assert.Equal(expected, read.Text);
        Assert.Equal(format, read.BarcodeFormat);
    }

    [Fact]
    public void Codes_on_a_photo_with_opacity_and_colours_still_decode()
    {
        var template = new Template
        {
            Layers =
            [
                new QrLayer { Name = "qr", Box = new TextBoxStyle { Unit = BoxUnit.Pixels, X = 20, Y = 20, Width = 200, Height = 200 }, Value = "id-77", Color = "#102060", Background = "#F0F0E0", Opacity = 0.9 },
                new BarcodeLayer { Name = "ean", Box = new TextBoxStyle { Unit = BoxUnit.Pixels, X = 260, Y = 40, Width = 360, Height = 160 }, Value = "5901234123457", Symbology = BarcodeSymbology.Ean13 },
            ],
        };
        using var image = Render(template, 640, 260);

        using var left = Crop(image, SKRectI.Create(0, 0, 240, 260));
        using var right = Crop(image, SKRectI.Create(240, 0, 400, 260));
        Assert.Equal("id-77", Decode(left, BarcodeFormat.QR_CODE).Text);
        Assert.Equal("5901234123457", Decode(right, BarcodeFormat.EAN_13).Text);
    }

    [Theory]
    [InlineData("4006381333932", BarcodeSymbology.Ean13, "check digit")]
    [InlineData("40063813339", BarcodeSymbology.Ean13, "12 digits")]
    [InlineData("40063813339A", BarcodeSymbology.Ean13, "digits only")]
    [InlineData("036000291453", BarcodeSymbology.UpcA, "check digit")]
    [InlineData("naïve", BarcodeSymbology.Code128, "printable ASCII")]
    [InlineData("", BarcodeSymbology.Code128, "empty")]
    public void A_value_the_symbology_cannot_hold_is_refused_with_the_reason(string value, BarcodeSymbology symbology, string reason)
    {
        Assert.Contains(reason, CodePatterns.CheckBarcode(value, symbology));
        var ex = Assert.Throws<JobFailedException>(() => CodePatterns.Barcode(value, symbology));
        Assert.Equal(ErrorCodes.InvalidCode, ex.Code);
    }

    [Fact]
    public void A_wrong_check_digit_is_refused_by_the_renderer_by_path()
    {
        var template = new Template { Layers = [new ShapeLayer { Name = "band" }, new BarcodeLayer { Name = "ean", Value = "4006381333932", Symbology = BarcodeSymbology.Ean13 }] };

        var ex = Assert.Throws<JobFailedException>(() => fixture.Renderer.Render(TestImages.Gradient(200, 100), template));

        Assert.Equal(ErrorCodes.InvalidTemplate, ex.Code);
        Assert.Contains("layers[1].value", ex.Message);
        Assert.Contains("should be 1", ex.Message);
    }

    [Fact]
    public void A_code_too_small_for_one_pixel_per_module_is_refused()
    {
        var template = new Template { Layers = [new QrLayer { Name = "qr", Box = new TextBoxStyle { Unit = BoxUnit.Pixels, X = 0, Y = 0, Width = 20, Height = 20 }, Value = "https://example.org" }] };

        var ex = Assert.Throws<JobFailedException>(() => fixture.Renderer.Render(TestImages.Gradient(100, 100), template));

        Assert.Equal(ErrorCodes.CodeTooSmall, ex.Code);
        Assert.Contains("'qr'", ex.Message);
    }

    [Theory]
    [InlineData("400638133393", 1)]
    [InlineData("590123412345", 7)]
    [InlineData("03600029145", 2)]
    public void The_check_digit_is_gs1s(string digits, int expected) => Assert.Equal(expected, CodePatterns.CheckDigit(digits));

    private SKBitmap Render(Template template, int width, int height) =>
        TestImages.Decode(fixture.Renderer.Render(TestImages.Gradient(width, height), template with { Output = new OutputStyle { Format = OutputFormat.Png } }).Data);

    private static SKBitmap Crop(SKBitmap bitmap, SKRectI area)
    {
        var cropped = new SKBitmap(area.Width, area.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        Assert.True(bitmap.ExtractSubset(cropped, area));
        return cropped.Copy(SKColorType.Rgba8888);
    }

    private static Result Decode(SKBitmap bitmap, BarcodeFormat format) => CodeReader.Read(bitmap, format);
}
