using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace ImageJobs.Rendering.Imaging.Jpeg;

/// <summary>A region's layers as Skia drew them: premultiplied RGBA8, <c>Bounds.Width * 4</c> bytes a row, in image coordinates.</summary>
public sealed record DrawnRegion(SKRectI Bounds, byte[] Pixels);

/// <summary>
/// Blends drawn regions into a JPEG's quantised coefficients, block by block: a block that any
/// region covers (a pixel of alpha above 0) is dequantised, inverse transformed, blended, transformed
/// and quantised again with the source's own table; every other block keeps its coefficients as
/// they are. Blending is per component, in the component's own resolution: "caption + image x (1 -
/// alpha)" is linear, and so is the RGB to YCbCr conversion (T.871), so blending Y, Cb and Cr
/// separately is blending RGB. A subsampled component takes the regions averaged over the pixels
/// each of its samples covers, read block by block from the drawn pixels (nothing allocated per
/// block). Pure arithmetic on arrays; TurboJPEG calls <see cref="Edit"/>.
/// </summary>
internal sealed class CaptionBlocks : IBlockRowEdit
{
    private readonly IReadOnlyList<DrawnRegion> _regions;
    private readonly ComponentPlan[] _components;

    /// <param name="header">A frame of 1 (grey) or 3 (YCbCr) components whose sampling factors are the largest divided by a power of 2.</param>
    public CaptionBlocks(JpegHeader header, IReadOnlyList<DrawnRegion> regions)
    {
        _regions = regions;
        _components = new ComponentPlan[header.Components.Count];
        for (var c = 0; c < _components.Length; c++)
        {
            var component = header.Components[c];
            var quant = header.QuantTable(component.QuantTable) ?? throw new ArgumentException($"Component {c} has no quantisation table.", nameof(header));
            var natural = new float[64];
            for (var i = 0; i < 64; i++)
            {
                natural[JpegHeader.NaturalOrder[i]] = quant[i];
            }

            var weights = header.Components.Count == 1 || c == 0 ? Luma : c == 1 ? BlueDifference : RedDifference;
            _components[c] = new ComponentPlan(natural, weights, header.MaxHorizontal / component.Horizontal, header.MaxVertical / component.Vertical);
        }
    }

    public string? Failure { get; set; }

    /// <summary>T.871's YCbCr weights of R, G, B, and of alpha (the offset a premultiplied colour difference carries).</summary>
    private static readonly Weights Luma = new(0.299f, 0.587f, 0.114f, 0);
    private static readonly Weights BlueDifference = new(-0.168736f, -0.331264f, 0.5f, 128 / 255f);
    private static readonly Weights RedDifference = new(0.5f, -0.418688f, -0.081312f, 128 / 255f);

    public void Edit(int component, int blockRow, Span<short> coefficients)
    {
        var plan = _components[component];
        Span<float> block = stackalloc float[64];
        Span<float> samples = stackalloc float[64];
        Span<float> premultiplied = stackalloc float[64];
        Span<float> alpha = stackalloc float[64];
        var blocks = coefficients.Length / 64;
        foreach (var region in _regions)
        {
            // The region in this component's samples, then in its blocks.
            var bounds = region.Bounds;
            var (top, bottom) = (bounds.Top / plan.Down, (bounds.Bottom + plan.Down - 1) / plan.Down);
            if ((blockRow * 8) + 8 <= top || blockRow * 8 >= bottom)
            {
                continue;
            }

            var (first, last) = (bounds.Left / plan.Across / 8, Math.Min(blocks - 1, (((bounds.Right + plan.Across - 1) / plan.Across) - 1) / 8));
            for (var column = first; column <= last; column++)
            {
                if (Sample(region, plan, column * 8, blockRow * 8, premultiplied, alpha))
                {
                    Blend(coefficients.Slice(column * 64, 64), plan.Quant, premultiplied, alpha, block, samples);
                }
            }
        }
    }

    /// <summary>
    /// The region's premultiplied value and alpha (0-1) for each sample of the block whose top left sample is
    /// (<paramref name="left"/>, <paramref name="top"/>), averaged over the pixels a sample covers; false when none is covered.
    /// </summary>
    private static bool Sample(DrawnRegion region, ComponentPlan plan, int left, int top, Span<float> premultiplied, Span<float> alpha)
    {
        var bounds = region.Bounds;
        var (x0, x1) = (Math.Max(left * plan.Across, bounds.Left), Math.Min((left + 8) * plan.Across, bounds.Right));
        var (y0, y1) = (Math.Max(top * plan.Down, bounds.Top), Math.Min((top + 8) * plan.Down, bounds.Bottom));
        if (x0 >= x1 || y0 >= y1)
        {
            return false;
        }

        premultiplied.Clear();
        alpha.Clear();
        var covered = false;
        var weights = plan.Weights;
        var share = 1f / (plan.Across * plan.Down);
        ref var value = ref MemoryMarshal.GetReference(premultiplied);
        ref var cover = ref MemoryMarshal.GetReference(alpha);
        for (var y = y0; y < y1; y++)
        {
            // Bounds were checked above: the row lies inside the region's pixels.
            ref var pixel = ref MemoryMarshal.GetArrayDataReference(region.Pixels);
            pixel = ref Unsafe.Add(ref pixel, ((((y - bounds.Top) * bounds.Width) + x0 - bounds.Left) * 4) + 3);
            var sampleRow = ((y >> plan.DownShift) - top) * 8;
            for (var x = x0; x < x1; x++, pixel = ref Unsafe.Add(ref pixel, 4))
            {
                var a = pixel;
                if (a == 0)
                {
                    continue;
                }

                covered = true;
                var sample = sampleRow + (x >> plan.AcrossShift) - left;
                Unsafe.Add(ref value, sample) += share * ((weights.Red * Unsafe.Subtract(ref pixel, 3)) + (weights.Green * Unsafe.Subtract(ref pixel, 2))
                    + (weights.Blue * Unsafe.Subtract(ref pixel, 1)) + (weights.Alpha * a));
                Unsafe.Add(ref cover, sample) += share * a / 255f;
            }
        }

        return covered;
    }

    private static void Blend(Span<short> coefficients, float[] quant, ReadOnlySpan<float> premultiplied, ReadOnlySpan<float> alpha, Span<float> block, Span<float> samples)
    {
        for (var i = 0; i < 64; i++)
        {
            block[i] = coefficients[i] * quant[i];
        }

        Dct8.Inverse(block, samples);
        for (var i = 0; i < 64; i++)
        {
            if (alpha[i] > 0)
            {
                // The decoder's sample (clamped as a decoder clamps it), under the region.
                var decoded = Math.Clamp(samples[i] + 128, 0, 255);
                samples[i] = premultiplied[i] + ((1 - alpha[i]) * decoded) - 128;
            }
        }

        Dct8.Forward(samples, block);
        coefficients[0] = (short)Math.Clamp(MathF.Round(block[0] / quant[0]), -2047, 2047);
        for (var i = 1; i < 64; i++)
        {
            // Baseline Huffman codes AC magnitudes up to 1023.
            coefficients[i] = (short)Math.Clamp(MathF.Round(block[i] / quant[i]), -1023, 1023);
        }
    }

    private readonly record struct Weights(float Red, float Green, float Blue, float Alpha);

    /// <summary>A component's quantisation table (natural order), its YCbCr weights, and the pixels one of its samples spans (powers of 2).</summary>
    private sealed record ComponentPlan(float[] Quant, Weights Weights, int Across, int Down)
    {
        public int AcrossShift { get; } = BitOperations.Log2((uint)Across);

        public int DownShift { get; } = BitOperations.Log2((uint)Down);
    }
}
