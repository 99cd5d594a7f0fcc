using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
/// each of its samples covers, converted a block row at a time (<see cref="Strip"/>). Pure arithmetic
/// on arrays, in vectors; TurboJPEG or <see cref="JpegScanRewriter"/> calls <see cref="Edit"/>.
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
            var (first, last) = (bounds.Left / plan.Across / 8, Math.Min(blocks - 1, (((bounds.Right + plan.Across - 1) / plan.Across) - 1) / 8));
            if ((blockRow * 8) + 8 <= top || blockRow * 8 >= bottom || first > last)
            {
                continue;
            }

            var strip = new Strip(plan, first, last - first + 1);
            try
            {
                strip.Sample(region, blockRow);
                for (var column = first; column <= last; column++)
                {
                    if (strip.Block(column - first, premultiplied, alpha))
                    {
                        Blend(coefficients.Slice(column * 64, 64), plan.Quant, premultiplied, alpha, block, samples);
                    }
                }
            }
            finally
            {
                strip.Return();
            }
        }
    }

    private static void Blend(Span<short> coefficients, float[] quant, ReadOnlySpan<float> premultiplied, ReadOnlySpan<float> alpha, Span<float> block, Span<float> samples)
    {
        ref var coefficient = ref MemoryMarshal.GetReference(coefficients);
        ref var q = ref MemoryMarshal.GetArrayDataReference(quant);
        ref var b = ref MemoryMarshal.GetReference(block);
        ref var s = ref MemoryMarshal.GetReference(samples);
        for (nuint i = 0; i < 64; i += 8)
        {
            var (low, high) = Vector128.Widen(Vector128.LoadUnsafe(ref coefficient, i));
            (Vector256.ConvertToSingle(Vector256.Create(low, high)) * Vector256.LoadUnsafe(ref q, i)).StoreUnsafe(ref b, i);
        }

        Dct8.Inverse(block, samples);
        ref var value = ref MemoryMarshal.GetReference(premultiplied);
        ref var cover = ref MemoryMarshal.GetReference(alpha);
        for (nuint i = 0; i < 64; i += 8)
        {
            // The decoder's sample (clamped as a decoder clamps it), under the region where it covers any.
            var sample = Vector256.LoadUnsafe(ref s, i);
            var a = Vector256.LoadUnsafe(ref cover, i);
            var decoded = Vector256.Clamp(sample + Vector256.Create(128f), Vector256<float>.Zero, Vector256.Create(255f));
            var blended = Vector256.LoadUnsafe(ref value, i) + ((Vector256<float>.One - a) * decoded) - Vector256.Create(128f);
            Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256<float>.Zero), blended, sample).StoreUnsafe(ref s, i);
        }

        Dct8.Forward(samples, block);
        for (nuint i = 0; i < 64; i += 8)
        {
            // Baseline Huffman codes DC differences up to 2047 and AC magnitudes up to 1023.
            var limit = i == 0 ? FirstLimits : Vector256.Create(1023f);
            var quantised = Vector256.Clamp(Vector256.Round(Vector256.LoadUnsafe(ref b, i) / Vector256.LoadUnsafe(ref q, i)), -limit, limit);
            var integers = Vector256.ConvertToInt32(quantised);
            Vector128.Narrow(integers.GetLower(), integers.GetUpper()).StoreUnsafe(ref coefficient, i);
        }
    }

    private static readonly Vector256<float> FirstLimits = Vector256.Create(2047f, 1023, 1023, 1023, 1023, 1023, 1023, 1023);

    /// <summary>
    /// A block row of one region in one component: each sample's premultiplied value and alpha (0-1), averaged
    /// over the pixels it covers. The pixels of the row are converted once, eight at a time, into sums at the
    /// image's resolution, then reduced to the component's samples. Its buffer is rented: <see cref="Return"/> it.
    /// </summary>
    private readonly struct Strip
    {
        private readonly ComponentPlan _plan;
        private readonly int _firstColumn;
        private readonly int _samples;
        private readonly int _pixels;
        private readonly float[] _buffer;

        public Strip(ComponentPlan plan, int firstColumn, int columns)
        {
            (_plan, _firstColumn, _samples) = (plan, firstColumn, columns * 8);
            _pixels = _samples * plan.Across;
            // Sums at the image's resolution (value rows, then alpha rows), then the samples (the same).
            _buffer = ArrayPool<float>.Shared.Rent(16 * (_pixels + _samples));
            _buffer.AsSpan(0, 16 * _pixels).Clear();
        }

        public void Return() => ArrayPool<float>.Shared.Return(_buffer);

        public void Sample(DrawnRegion region, int blockRow)
        {
            var (plan, bounds) = (_plan, region.Bounds);
            var left = _firstColumn * 8 * plan.Across;
            var (x0, x1) = (Math.Max(left, bounds.Left), Math.Min(left + _pixels, bounds.Right));
            var (y0, y1) = (Math.Max(blockRow * 8 * plan.Down, bounds.Top), Math.Min(((blockRow * 8) + 8) * plan.Down, bounds.Bottom));
            var weights = plan.Weights;
            var (red, green, blue, opaque) = (Vector256.Create(weights.Red), Vector256.Create(weights.Green), Vector256.Create(weights.Blue), Vector256.Create(weights.Alpha));
            var channel = Vector256.Create(0xFFu);
            ref var sums = ref MemoryMarshal.GetArrayDataReference(_buffer);
            for (var y = y0; y < y1; y++)
            {
                // Bounds were checked above: the row lies inside the region's pixels.
                var row = ((y >> plan.DownShift) - (blockRow * 8)) * _pixels;
                ref var value = ref Unsafe.Add(ref sums, row + x0 - left);
                ref var cover = ref Unsafe.Add(ref sums, (8 * _pixels) + row + x0 - left);
                ref var pixel = ref Unsafe.As<byte, uint>(ref MemoryMarshal.GetArrayDataReference(region.Pixels));
                pixel = ref Unsafe.Add(ref pixel, ((y - bounds.Top) * bounds.Width) + x0 - bounds.Left);
                var count = (nuint)(x1 - x0);
                nuint x = 0;
                for (; x + 8 <= count; x += 8)
                {
                    // Premultiplied RGBA8 read as little-endian words: red in the lowest byte.
                    var rgba = Vector256.LoadUnsafe(ref pixel, x);
                    var a = Vector256.ConvertToSingle((rgba >> 24).AsInt32());
                    var sum = (red * Vector256.ConvertToSingle((rgba & channel).AsInt32())) + (green * Vector256.ConvertToSingle(((rgba >> 8) & channel).AsInt32()))
                        + (blue * Vector256.ConvertToSingle(((rgba >> 16) & channel).AsInt32())) + (opaque * a);
                    (Vector256.LoadUnsafe(ref value, x) + sum).StoreUnsafe(ref value, x);
                    (Vector256.LoadUnsafe(ref cover, x) + a).StoreUnsafe(ref cover, x);
                }

                for (; x < count; x++)
                {
                    var rgba = Unsafe.Add(ref pixel, x);
                    var a = (float)(rgba >> 24);
                    Unsafe.Add(ref value, x) += (weights.Red * (rgba & 0xFF)) + (weights.Green * ((rgba >> 8) & 0xFF)) + (weights.Blue * ((rgba >> 16) & 0xFF)) + (weights.Alpha * a);
                    Unsafe.Add(ref cover, x) += a;
                }
            }

            Reduce();
        }

        /// <summary>The block's premultiplied values and alpha; false when no sample of it is covered.</summary>
        public bool Block(int column, Span<float> premultiplied, Span<float> alpha)
        {
            var covered = Vector256<float>.Zero;
            ref var samples = ref MemoryMarshal.GetArrayDataReference(_buffer);
            samples = ref Unsafe.Add(ref samples, (16 * _pixels) + (column * 8));
            ref var value = ref MemoryMarshal.GetReference(premultiplied);
            ref var cover = ref MemoryMarshal.GetReference(alpha);
            for (nuint row = 0; row < 8; row++)
            {
                var a = Vector256.LoadUnsafe(ref Unsafe.Add(ref samples, (8 * _samples) + ((int)row * _samples)));
                covered = Vector256.Max(covered, a);
                a.StoreUnsafe(ref cover, row * 8);
                Vector256.LoadUnsafe(ref Unsafe.Add(ref samples, (int)row * _samples)).StoreUnsafe(ref value, row * 8);
            }

            return Vector256.GreaterThanAny(covered, Vector256<float>.Zero);
        }

        /// <summary>The sums at the image's resolution to each sample's average: alpha scaled from 0-255 to 0-1.</summary>
        private void Reduce()
        {
            var (across, share) = (_plan.Across, 1f / (_plan.Across * _plan.Down));
            var sums = _buffer.AsSpan(0, 16 * _pixels);
            var samples = _buffer.AsSpan(16 * _pixels, 16 * _samples);
            for (var row = 0; row < 16; row++)
            {
                var scale = row < 8 ? share : share / 255f;
                var from = sums.Slice(row * _pixels, _pixels);
                var to = samples.Slice(row * _samples, _samples);
                if (across == 1)
                {
                    // Whole blocks: the row is a multiple of 8 samples.
                    for (var sample = 0; sample < _samples; sample += 8)
                    {
                        (Vector256.Create(from.Slice(sample, 8)) * scale).CopyTo(to.Slice(sample, 8));
                    }

                    continue;
                }

                if (across == 2)
                {
                    // Eight pixels to four samples: the even pixels beside the odd ones, then added.
                    for (var sample = 0; sample < _samples; sample += 4)
                    {
                        var pairs = Vector256.Shuffle(Vector256.Create(from.Slice(sample * 2, 8)), Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7));
                        ((pairs.GetLower() + pairs.GetUpper()) * scale).CopyTo(to.Slice(sample, 4));
                    }

                    continue;
                }

                for (var sample = 0; sample < _samples; sample++)
                {
                    var total = 0f;
                    foreach (var pixel in from.Slice(sample * across, across))
                    {
                        total += pixel;
                    }

                    to[sample] = total * scale;
                }
            }
        }
    }

    private readonly record struct Weights(float Red, float Green, float Blue, float Alpha);

    /// <summary>A component's quantisation table (natural order), its YCbCr weights, and the pixels one of its samples spans (powers of 2).</summary>
    private sealed record ComponentPlan(float[] Quant, Weights Weights, int Across, int Down)
    {
        public int DownShift { get; } = BitOperations.Log2((uint)Down);
    }
}
