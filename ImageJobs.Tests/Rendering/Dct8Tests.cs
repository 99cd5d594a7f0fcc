using ImageJobs.Rendering.Imaging.Jpeg;

namespace ImageJobs.Tests.Rendering;

[Trait("Category", "Rendering")]
public class Dct8Tests
{
    [Fact]
    public void Forward_is_T81s_DCT_and_inverse_undoes_it()
    {
        var random = new Random(8);
        var samples = Enumerable.Range(0, 64).Select(_ => (float)random.Next(-128, 128)).ToArray();
        var coefficients = new float[64];
        var back = new float[64];

        Dct8.Forward(samples, coefficients);
        Dct8.Inverse(coefficients, back);

        for (var v = 0; v < 8; v++)
        {
            for (var u = 0; u < 8; u++)
            {
                // T.81 A.3.3: F(v, u) = 1/4 C(u) C(v) sum f(y, x) cos((2x+1)u pi/16) cos((2y+1)v pi/16).
                var sum = 0.0;
                for (var y = 0; y < 8; y++)
                {
                    for (var x = 0; x < 8; x++)
                    {
                        sum += samples[(y * 8) + x] * Math.Cos(((2 * x) + 1) * u * Math.PI / 16) * Math.Cos(((2 * y) + 1) * v * Math.PI / 16);
                    }
                }

                var expected = 0.25 * (u == 0 ? 1 / Math.Sqrt(2) : 1) * (v == 0 ? 1 / Math.Sqrt(2) : 1) * sum;
                Assert.Equal(expected, coefficients[(v * 8) + u], 0.01);
            }
        }

        Assert.All(Enumerable.Range(0, 64), i => Assert.Equal(samples[i], back[i], 0.001));
    }

    [Fact]
    public void A_flat_block_is_its_DC_alone()
    {
        var coefficients = new float[64];

        Dct8.Forward(Enumerable.Repeat(10f, 64).ToArray(), coefficients);

        Assert.Equal(80, coefficients[0], 0.001);
        Assert.All(coefficients.Skip(1), c => Assert.Equal(0, c, 0.001));
    }
}
