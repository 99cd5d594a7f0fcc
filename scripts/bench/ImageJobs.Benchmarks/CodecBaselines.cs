using System.Net;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Imaging;
using ImageJobs.Rendering.Text;
using NetVips;
using SkiaSharp;

namespace ImageJobs.Benchmarks;

/// <summary>
/// What the engine is measured against, on the same bytes: libvips decoding and encoding with the
/// engine's own settings and nothing drawn (the floor for any engine that decodes the whole
/// image), a caption as a sharp or pyvips user writes it (libvips' own <c>text</c>, composited
/// over the image, encoded), and SkiaSharp's decode and encode (the codec the engine left).
/// Each returns the encoded bytes.
/// </summary>
public sealed class CodecBaselines(ComposedCaption caption, TextStyle style, int width)
{
    private readonly string _markup = "<span foreground=\"white\">" + WebUtility.HtmlEncode(string.Join('\n', caption.Lines)) + "</span>";
    private readonly string _font = Path.Combine(AppContext.BaseDirectory, "Fonts", "DejaVu", "DejaVuSans-Bold.ttf");

    /// <summary>Decode and encode through the engine's own code (Imaging/), no caption.</summary>
    public byte[] LibvipsFloor(byte[] source, RenderLimits limits)
    {
        using var opened = SourceImage.Open(source, limits);
        var format = ResultEncoder.Choose(style.Over(TextStyle.Default).Output!.Format!.Value, opened.Format);
        return ResultEncoder.Encode(opened.Image, format, EncodeSettings.For(style.Over(TextStyle.Default).Output!, opened.Jpeg));
    }

    /// <summary>libvips renders the caption (Pango, white, no outline), composites it over the whole image, encodes like the engine.</summary>
    public byte[] LibvipsText(byte[] source)
    {
        using var image = Image.NewFromBuffer(source, access: Enums.Access.Sequential);
        using var text = Image.Text(_markup, font: $"DejaVu Sans Bold {caption.Size:0}", fontfile: _font, width: (int)(width * 0.8),
            align: Enums.Align.Centre, dpi: 72, rgba: true);
        var x = (image.Width - text.Width) / 2;
        var y = (int)caption.Bounds.Top;
        using var composed = image.Composite2(text, Enums.BlendMode.Over, x, y);
        var quality = JpegQuality.Estimate(source) ?? OutputStyle.FallbackQuality;
        return composed.JpegsaveBuffer(q: quality, subsampleMode: Enums.ForeignSubsample.On);
    }

    /// <summary>SkiaSharp 4.155's decode and encode at the source's quality (its linux-x64 libjpeg-turbo has no SIMD).</summary>
    public static byte[] Skia(byte[] source)
    {
        using var bitmap = SKBitmap.Decode(source);
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Jpeg, JpegQuality.Estimate(source) ?? OutputStyle.FallbackQuality);
        return encoded.ToArray();
    }
}
