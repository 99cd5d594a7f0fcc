using ImageJobs.Rendering.Imaging;

namespace ImageJobs.Tests.Unit;

/// <summary>The caption blend's arithmetic against the exact formulas, in doubles.</summary>
[Trait("Category", "Unit")]
public class PixelBlendTests
{
    [Fact]
    public void Mix_is_exact_for_every_alpha_premultiplied_value_and_image_value()
    {
        var image = new byte[3];
        var mismatches = 0;
        for (var alpha = 0; alpha < 256; alpha++)
        {
            for (var premultiplied = 0; premultiplied <= alpha; premultiplied++)
            {
                for (var under = 0; under < 256; under++)
                {
                    image[0] = (byte)under;
                    PixelBlend.Mix(image, [(byte)premultiplied, 0, 0, (byte)alpha]);
                    var expected = Math.Round(((255.0 * premultiplied) + (under * (255.0 - alpha))) / 255, MidpointRounding.AwayFromZero);
                    mismatches += image[0] == expected ? 0 : 1;
                }
            }
        }

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void Mix_leaves_a_transparent_pixel_alone_and_paints_an_opaque_one()
    {
        byte[] image = [10, 20, 30, 40, 50, 60];

        PixelBlend.Mix(image, [0, 0, 0, 0, 200, 100, 0, 255]);

        Assert.Equal([10, 20, 30, 200, 100, 0], image);
    }

    [Theory]
    [InlineData(0, 0, 0, 0, 40, 80, 120, 200)]
    [InlineData(128, 64, 0, 128, 0, 0, 0, 0)]
    [InlineData(100, 50, 25, 100, 200, 150, 100, 255)]
    [InlineData(255, 255, 255, 255, 1, 2, 3, 4)]
    [InlineData(30, 20, 10, 40, 250, 240, 230, 90)]
    [InlineData(1, 0, 1, 3, 90, 90, 90, 1)]
    public void Over_is_porter_duff_over_straight_alpha(byte r, byte g, byte b, byte a, byte dr, byte dg, byte db, byte da)
    {
        byte[] image = [dr, dg, db, da];

        PixelBlend.Over(image, [r, g, b, a]);

        AssertOver([.. image.Select(v => (double)v)], 255, 1, [r, g, b], a / 255.0, [dr, dg, db], da / 255.0);
    }

    [Fact]
    public void Over_a_transparent_image_gives_the_caption_unpremultiplied()
    {
        byte[] image = [9, 9, 9, 0];

        PixelBlend.Over(image, [64, 32, 0, 128]);

        Assert.Equal([128, 64, 0, 128], image);
    }

    [Theory]
    [InlineData(0, 0, 0, 0, 1000, 30000, 65535)]
    [InlineData(255, 128, 0, 255, 1000, 30000, 65535)]
    [InlineData(60, 30, 10, 120, 65535, 0, 12345)]
    [InlineData(1, 1, 1, 1, 500, 500, 500)]
    public void Mix_sixteen_bit_widens_the_caption(byte r, byte g, byte b, byte a, ushort dr, ushort dg, ushort db)
    {
        ushort[] image = [dr, dg, db];

        PixelBlend.Mix(image, [r, g, b, a]);

        ushort[] under = [dr, dg, db];
        byte[] caption = [r, g, b];
        for (var c = 0; c < 3; c++)
        {
            var expected = (caption[c] * 257.0) + (under[c] * (255.0 - a) / 255);
            Assert.InRange(image[c], expected - 1, expected + 1);
        }
    }

    [Theory]
    [InlineData(128, 64, 0, 128, 0, 0, 0, 0)]
    [InlineData(100, 50, 25, 100, 50000, 40000, 30000, 65535)]
    [InlineData(30, 20, 10, 40, 65000, 64000, 63000, 20000)]
    [InlineData(255, 0, 255, 255, 1, 2, 3, 4)]
    public void Over_sixteen_bit_is_porter_duff_over(byte r, byte g, byte b, byte a, ushort dr, ushort dg, ushort db, ushort da)
    {
        ushort[] image = [dr, dg, db, da];

        PixelBlend.Over(image, [r, g, b, a]);

        AssertOver([.. image.Select(v => (double)v)], 65535, 2, [r, g, b], a / 255.0, [dr / 257.0, dg / 257.0, db / 257.0], da / 65535.0);
    }

    [Fact]
    public void Mismatched_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PixelBlend.Mix(new byte[6], new byte[4]));
        Assert.Throws<ArgumentException>(() => PixelBlend.Over(new byte[8], new byte[7]));
        Assert.Throws<ArgumentException>(() => PixelBlend.Mix(new ushort[3], new byte[8]));
        Assert.Throws<ArgumentException>(() => PixelBlend.Over(new ushort[4], new byte[8]));
    }

    /// <summary>
    /// <paramref name="actual"/> (RGBA in units of 1/<paramref name="scale"/>) is, within <paramref name="tolerance"/>, Porter-Duff
    /// over of a premultiplied source (0-255 values) on a straight destination (0-255 values).
    /// </summary>
    private static void AssertOver(double[] actual, double scale, double tolerance, double[] premultiplied, double alpha, double[] under, double underAlpha)
    {
        var result = alpha + (underAlpha * (1 - alpha));
        Assert.InRange(actual[3], (result * scale) - tolerance, (result * scale) + tolerance);
        for (var c = 0; c < 3; c++)
        {
            var colour = result == 0 ? 0 : ((premultiplied[c] / 255) + (under[c] / 255 * underAlpha * (1 - alpha))) / result;
            Assert.InRange(actual[c], (colour * scale) - tolerance, (colour * scale) + tolerance);
        }
    }
}
