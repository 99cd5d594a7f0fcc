using System.Globalization;
using SkiaSharp;

namespace ImageJobs.Rendering;

public static class ColorParser
{
    public static SKColor Parse(string value) =>
        TryParse(value, out var color) ? color : throw new FormatException($"'{value}' is not #RRGGBB or #RRGGBBAA.");

    /// <summary>Parses #RRGGBB or #RRGGBBAA (CSS order: alpha last).</summary>
    public static bool TryParse(string value, out SKColor color)
    {
        color = default;
        if (value is not { Length: 7 or 9 } || value[0] != '#'
            || !uint.TryParse(value.AsSpan(1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var rgba))
        {
            return false;
        }

        if (value.Length == 7)
        {
            rgba = (rgba << 8) | 0xFF;
        }

        color = new SKColor((byte)(rgba >> 24), (byte)(rgba >> 16), (byte)(rgba >> 8), (byte)rgba);
        return true;
    }
}
