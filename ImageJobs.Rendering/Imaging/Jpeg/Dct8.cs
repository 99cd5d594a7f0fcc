using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ImageJobs.Rendering.Imaging.Jpeg;

/// <summary>
/// The 8x8 DCT of JPEG (ITU T.81 A.3.3), which is the orthonormal 2-D DCT-II: coefficients
/// B = M f Mᵀ and samples f = Mᵀ B M with M[u, x] = c(u)/2 cos((2x + 1)uπ/16), c(0) = 1/√2.
/// Blocks are 64 floats, row-major (natural order: row = vertical frequency). In single precision,
/// one 8-float row per vector: 128 fused multiply-adds per transform, in registers.
/// </summary>
public static class Dct8
{
    /// <summary>M, row-major.</summary>
    private static readonly float[] Basis = BuildBasis(transpose: false);

    /// <summary>Mᵀ, row-major.</summary>
    private static readonly float[] BasisTransposed = BuildBasis(transpose: true);

    /// <summary>Samples (level-shifted: 0 is mid-grey) from dequantised coefficients: Mᵀ B M.</summary>
    public static void Inverse(ReadOnlySpan<float> coefficients, Span<float> samples) =>
        Apply(coefficients, Basis, BasisTransposed, samples);

    /// <summary>Coefficients from level-shifted samples: M f Mᵀ.</summary>
    public static void Forward(ReadOnlySpan<float> samples, Span<float> coefficients) =>
        Apply(samples, BasisTransposed, Basis, coefficients);

    /// <summary>
    /// result = W (X R): row i of X R is the rows of R weighted by row i of X, and row j of the result
    /// the rows of X R weighted by row j of W. Inverse: X = B, R = M, W = Mᵀ; forward: X = f, R = Mᵀ, W = M.
    /// </summary>
    private static void Apply(ReadOnlySpan<float> block, float[] rows, float[] weights, Span<float> result)
    {
        if (block.Length < 64 || result.Length < 64)
        {
            throw new ArgumentException("A block is 64 values.");
        }

        ref var r = ref MemoryMarshal.GetArrayDataReference(rows);
        var (r0, r1, r2, r3) = (Vector256.LoadUnsafe(ref r, 0), Vector256.LoadUnsafe(ref r, 8), Vector256.LoadUnsafe(ref r, 16), Vector256.LoadUnsafe(ref r, 24));
        var (r4, r5, r6, r7) = (Vector256.LoadUnsafe(ref r, 32), Vector256.LoadUnsafe(ref r, 40), Vector256.LoadUnsafe(ref r, 48), Vector256.LoadUnsafe(ref r, 56));
        ref var x = ref MemoryMarshal.GetReference(block);
        var p0 = Weighted(ref x, r0, r1, r2, r3, r4, r5, r6, r7);
        var p1 = Weighted(ref Unsafe.Add(ref x, 8), r0, r1, r2, r3, r4, r5, r6, r7);
        var p2 = Weighted(ref Unsafe.Add(ref x, 16), r0, r1, r2, r3, r4, r5, r6, r7);
        var p3 = Weighted(ref Unsafe.Add(ref x, 24), r0, r1, r2, r3, r4, r5, r6, r7);
        var p4 = Weighted(ref Unsafe.Add(ref x, 32), r0, r1, r2, r3, r4, r5, r6, r7);
        var p5 = Weighted(ref Unsafe.Add(ref x, 40), r0, r1, r2, r3, r4, r5, r6, r7);
        var p6 = Weighted(ref Unsafe.Add(ref x, 48), r0, r1, r2, r3, r4, r5, r6, r7);
        var p7 = Weighted(ref Unsafe.Add(ref x, 56), r0, r1, r2, r3, r4, r5, r6, r7);
        ref var w = ref MemoryMarshal.GetArrayDataReference(weights);
        ref var target = ref MemoryMarshal.GetReference(result);
        for (nuint j = 0; j < 64; j += 8)
        {
            Weighted(ref Unsafe.Add(ref w, j), p0, p1, p2, p3, p4, p5, p6, p7).StoreUnsafe(ref target, j);
        }
    }

    /// <summary>Σ weights[k] x vk: eight broadcast multiply-adds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Weighted(ref float weights, Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3,
        Vector256<float> v4, Vector256<float> v5, Vector256<float> v6, Vector256<float> v7)
    {
        var sum = Vector256.Create(weights) * v0;
        sum = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref weights, 1)), v1, sum);
        sum = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref weights, 2)), v2, sum);
        sum = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref weights, 3)), v3, sum);
        sum = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref weights, 4)), v4, sum);
        sum = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref weights, 5)), v5, sum);
        sum = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref weights, 6)), v6, sum);
        return Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref weights, 7)), v7, sum);
    }

    private static float[] BuildBasis(bool transpose)
    {
        var basis = new float[64];
        for (var u = 0; u < 8; u++)
        {
            for (var x = 0; x < 8; x++)
            {
                var scale = u == 0 ? 1 / Math.Sqrt(2) : 1;
                var value = (float)(scale / 2 * Math.Cos(((2 * x) + 1) * u * Math.PI / 16));
                basis[transpose ? (x * 8) + u : (u * 8) + x] = value;
            }
        }

        return basis;
    }
}
