using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;

namespace ImageJobs.Tests.Rendering;

/// <summary>Small images built in code: no binary fixtures to trust or track.</summary>
public static class TestImages
{
    /// <summary>A diagonal gradient (so every pixel differs), opaque, encoded as asked.</summary>
    public static byte[] Gradient(int width, int height, SKEncodedImageFormat format = SKEncodedImageFormat.Png, int quality = 95)
    {
        using var bitmap = GradientBitmap(width, height);
        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    public static SKBitmap GradientBitmap(int width, int height)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        using var shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height),
            [new SKColor(40, 70, 120), new SKColor(150, 110, 60)], SKShaderTileMode.Clamp);
        using var paint = new SKPaint { Shader = shader };
        canvas.DrawRect(0, 0, width, height, paint);
        return bitmap;
    }

    /// <summary>A logo-like PNG: a filled circle and a bar on a transparent ground.</summary>
    public static byte[] Logo(int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(SKColors.Transparent);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { IsAntialias = true, Color = new SKColor(220, 60, 40) })
        {
            canvas.DrawCircle(width / 3f, height / 2f, Math.Min(width, height) / 3f, paint);
            paint.Color = new SKColor(30, 120, 200);
            canvas.DrawRect(width * 0.6f, height * 0.2f, width * 0.3f, height * 0.6f, paint);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>One flat colour; with alpha 0 a fully transparent PNG.</summary>
    public static byte[] Solid(int width, int height, SKColor color, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, color.Alpha == 255 ? SKAlphaType.Opaque : SKAlphaType.Unpremul));
        bitmap.Erase(color);
        using var data = bitmap.Encode(format, 95);
        return data.ToArray();
    }

    public static SKBitmap Decode(ReadOnlyMemory<byte> data) =>
        SKBitmap.Decode(data.ToArray()) ?? throw new InvalidOperationException("Not decodable.");

    /// <summary>
    /// A JPEG of Gaussian noise, made by libvips (fast at any size): slow to encode again, as a
    /// photograph is, unlike a gradient. Orientation 1 is upright; 2-8 are EXIF rotations.
    /// </summary>
    public static byte[] NoiseJpeg(int width, int height, int orientation = 1)
    {
        using var noise = NetVips.Image.Gaussnoise(width, height, mean: 128, sigma: 40);
        using var rgb = noise.Bandjoin(noise, noise);
        using var bytes = rgb.Cast(NetVips.Enums.BandFormat.Uchar);
        using var oriented = bytes.Mutate(m => m.Set(NetVips.GValue.GIntType, "orientation", orientation));
        return oriented.JpegsaveBuffer(q: 90);
    }

    /// <summary>A JPEG with an EXIF APP1 segment carrying <paramref name="orientation"/>, inserted after SOI.</summary>
    public static byte[] JpegWithOrientation(int width, int height, ushort orientation)
    {
        var jpeg = Gradient(width, height, SKEncodedImageFormat.Jpeg);
        // TIFF header (little endian), IFD0 with one entry: Orientation (0x0112), SHORT, count 1.
        var tiff = new byte[8 + 2 + 12 + 4];
        "II"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(10), 0x0112);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(12), 3);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(14), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(18), orientation);
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var segment = new byte[4 + payload.Length];
        segment[0] = 0xFF;
        segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(payload.Length + 2));
        payload.CopyTo(segment, 4);
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }

    /// <summary>A valid PNG that declares <paramref name="width"/> x <paramref name="height"/> but holds a few KB of compressed zeros.</summary>
    public static byte[] PngBomb(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // RGB
        WriteChunk(output, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zlib.Write(new byte[1 << 20]);
            }

            WriteChunk(output, "IDAT", compressed.ToArray());
        }

        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>A 24-bit BMP (bottom-up rows), one flat colour.</summary>
    public static byte[] Bmp(int width, int height, SKColor color)
    {
        var stride = ((width * 3) + 3) & ~3;
        var bytes = new byte[54 + (stride * height)];
        "BM"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), 24);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var at = 54 + (y * stride) + (x * 3);
                (bytes[at], bytes[at + 1], bytes[at + 2]) = (color.Blue, color.Green, color.Red);
            }
        }

        return bytes;
    }

    /// <summary>A WBMP (a format Skia reads but we do not accept): 8x8, all white.</summary>
    public static byte[] Wbmp() => [0, 0, 8, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typeAndData = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        output.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    /// <summary>Pixels (of the whole bitmap) for which <paramref name="predicate"/> holds.</summary>
    public static int Count(SKBitmap bitmap, Func<int, int, SKColor, bool> predicate)
    {
        var count = 0;
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                if (predicate(x, y, bitmap.GetPixel(x, y)))
                {
                    count++;
                }
            }
        }

        return count;
    }
}
