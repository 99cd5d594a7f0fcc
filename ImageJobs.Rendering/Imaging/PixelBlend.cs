namespace ImageJobs.Rendering.Imaging;

/// <summary>
/// A caption's premultiplied RGBA8 pixels (what Skia draws) blended over a line of an image's
/// straight pixels, 8- or 16-bit: "mix" over opaque RGB, Porter-Duff "over" on RGBA. Pure
/// arithmetic, rounded to the nearest value; a pixel the caption leaves transparent is not touched.
/// The span methods check lengths and are what tests call; <see cref="CaptionOverlay"/> calls the
/// pointer ones from inside libvips.
/// </summary>
public static unsafe class PixelBlend
{
    /// <summary>Opaque RGB8: out = caption + image x (1 - alpha).</summary>
    public static void Mix(Span<byte> rgb, ReadOnlySpan<byte> caption) => Lines(rgb, 3, caption, &Mix);

    /// <summary>RGBA8 with straight alpha: Porter-Duff over.</summary>
    public static void Over(Span<byte> rgba, ReadOnlySpan<byte> caption) => Lines(rgba, 4, caption, &Over);

    /// <summary>Opaque RGB16: the caption's 8-bit values widened (x 257).</summary>
    public static void Mix(Span<ushort> rgb, ReadOnlySpan<byte> caption) => Lines(rgb, 3, caption, &Mix);

    /// <summary>RGBA16 with straight alpha: Porter-Duff over.</summary>
    public static void Over(Span<ushort> rgba, ReadOnlySpan<byte> caption) => Lines(rgba, 4, caption, &Over);

    internal static void Mix(byte* target, byte* caption, int count)
    {
        for (var i = 0; i < count; i++, target += 3, caption += 4)
        {
            uint alpha = caption[3];
            if (alpha == 0)
            {
                continue;
            }

            // Premultiplied: caption <= alpha, so the sum stays within 255.
            var keep = 255 - alpha;
            target[0] = (byte)(caption[0] + Div255(target[0] * keep));
            target[1] = (byte)(caption[1] + Div255(target[1] * keep));
            target[2] = (byte)(caption[2] + Div255(target[2] * keep));
        }
    }

    internal static void Over(byte* target, byte* caption, int count)
    {
        for (var i = 0; i < count; i++, target += 4, caption += 4)
        {
            uint alpha = caption[3];
            if (alpha == 0)
            {
                continue;
            }

            var under = Div255(target[3] * (255 - alpha));
            var result = alpha + under;
            var half = result / 2;
            target[0] = (byte)(((caption[0] * 255) + (target[0] * under) + half) / result);
            target[1] = (byte)(((caption[1] * 255) + (target[1] * under) + half) / result);
            target[2] = (byte)(((caption[2] * 255) + (target[2] * under) + half) / result);
            target[3] = (byte)result;
        }
    }

    internal static void Mix(ushort* target, byte* caption, int count)
    {
        for (var i = 0; i < count; i++, target += 3, caption += 4)
        {
            uint alpha = caption[3];
            if (alpha == 0)
            {
                continue;
            }

            var keep = 255 - alpha;
            target[0] = (ushort)((caption[0] * 257u) + Div255(target[0] * keep));
            target[1] = (ushort)((caption[1] * 257u) + Div255(target[1] * keep));
            target[2] = (ushort)((caption[2] * 257u) + Div255(target[2] * keep));
        }
    }

    internal static void Over(ushort* target, byte* caption, int count)
    {
        for (var i = 0; i < count; i++, target += 4, caption += 4)
        {
            uint alpha = caption[3];
            if (alpha == 0)
            {
                continue;
            }

            // In 16-bit units: the caption's colour x its alpha is caption x 257 x 65535.
            var under = Div255(target[3] * (255 - alpha));
            var result = (alpha * 257) + under;
            var half = result / 2;
            target[0] = (ushort)(((caption[0] * 257UL * 65535) + ((ulong)target[0] * under) + half) / result);
            target[1] = (ushort)(((caption[1] * 257UL * 65535) + ((ulong)target[1] * under) + half) / result);
            target[2] = (ushort)(((caption[2] * 257UL * 65535) + ((ulong)target[2] * under) + half) / result);
            target[3] = (ushort)result;
        }
    }

    /// <summary>x / 255 rounded to the nearest integer (255 is odd: no ties).</summary>
    private static uint Div255(uint x) => (x + 127) / 255;

    private static void Lines<T>(Span<T> image, int bands, ReadOnlySpan<byte> caption, delegate*<T*, byte*, int, void> blend)
        where T : unmanaged
    {
        if (caption.Length % 4 != 0 || image.Length != caption.Length / 4 * bands)
        {
            throw new ArgumentException($"{image.Length} values of {bands} bands and {caption.Length} RGBA bytes are not the same number of pixels.", nameof(caption));
        }

        fixed (T* target = image)
        fixed (byte* source = caption)
        {
            blend(target, source, caption.Length / 4);
        }
    }
}
