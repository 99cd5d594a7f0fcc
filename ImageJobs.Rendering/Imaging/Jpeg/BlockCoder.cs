using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ImageJobs.Rendering.Imaging.Jpeg;

/// <summary>
/// One 8x8 block's baseline Huffman coding (T.81 F.1.2 and F.2.2): decoded into natural order,
/// or skipped (only the DC value kept, for the predictor), or encoded with the source's tables.
/// No allocation; damaged data gives false, never an index outside the block.
/// </summary>
internal static class BlockCoder
{
    private const int EndOfBlock = 0x00;
    private const int ZeroRun = 0xF0;

    /// <summary>A block's worst case: DC 27 bits, 63 AC codes of 26 bits, every byte 0xFF and stuffed, the bits pending.</summary>
    private const int MaxBlockBytes = 2 * ((27 + (63 * 26) + 7) / 8) + 16;

    /// <summary>The zigzag index of each natural (row-major) position: <see cref="JpegHeader.NaturalOrder"/> inverted.</summary>
    private static ReadOnlySpan<byte> ZigzagIndex =>
    [
        0, 1, 5, 6, 14, 15, 27, 28, 2, 4, 7, 13, 16, 26, 29, 42, 3, 8, 12, 17, 25, 30, 41, 43, 9, 11, 18, 24, 31, 40, 44, 53,
        10, 19, 23, 32, 39, 45, 52, 54, 20, 22, 33, 38, 46, 51, 55, 60, 21, 34, 37, 47, 50, 56, 59, 61, 35, 36, 48, 49, 57, 58, 62, 63,
    ];

    /// <summary>
    /// Decodes one block into <paramref name="block"/> (natural order, cleared by the caller), or
    /// with an empty block reads past it, keeping only its DC value in <paramref name="predictor"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Decode(ref EntropyReader reader, ScanComponent component, Span<short> block, ref int predictor)
    {
        if (!DecodeDc(ref reader, component.Dc, ref predictor))
        {
            return false;
        }

        if (block.IsEmpty)
        {
            return reader.SkipAc(component.Ac);
        }

        block[0] = (short)predictor;
        return reader.DecodeAc(component.Ac, block);
    }

    /// <summary>Encodes one block (natural order); a failure when a symbol has no code or a value does not fit baseline.</summary>
    public static ScanFailure? Encode(EntropyWriter writer, ScanComponent component, ReadOnlySpan<short> block, ref int predictor)
    {
        var difference = block[0] - predictor;
        predictor = block[0];
        var size = BitLength(difference);
        if (size > 11)
        {
            return OutOfRange(difference);
        }

        // The writer's state in locals for the block: a block takes at most about 430 bytes.
        var (buffer, length, bits, count) = writer.Begin(MaxBlockBytes);
        var (dc, ac) = (component.Dc, component.Ac);
        if (dc.Lengths[size] == 0)
        {
            return MissingCode(dc, size);
        }

        EntropyWriter.Emit(buffer, ref length, ref bits, ref count, (dc.Codes[size] << size) | Extra(difference, size), dc.Lengths[size] + size);

        // A bit per non-zero coefficient, found in natural order and moved to zigzag order, so
        // the loop visits only those (a photograph's block has a handful).
        var natural = JpegHeader.NaturalOrder;
        var zigzagIndex = ZigzagIndex;
        var nonZero = 0UL;
        for (var found = NonZero(block) & ~1UL; found != 0; found &= found - 1)
        {
            nonZero |= 1UL << zigzagIndex[BitOperations.TrailingZeroCount(found)];
        }

        var last = 0;
        while (nonZero != 0)
        {
            var k = BitOperations.TrailingZeroCount(nonZero);
            nonZero &= nonZero - 1;
            var run = k - last - 1;
            last = k;
            for (; run > 15; run -= 16)
            {
                if (ac.Lengths[ZeroRun] == 0)
                {
                    return MissingCode(ac, ZeroRun);
                }

                EntropyWriter.Emit(buffer, ref length, ref bits, ref count, ac.Codes[ZeroRun], ac.Lengths[ZeroRun]);
            }

            int value = block[natural[k]];
            size = BitLength(value);
            var symbol = (run << 4) | size;
            if (size > 10 || ac.Lengths[symbol] == 0)
            {
                return size > 10 ? OutOfRange(value) : MissingCode(ac, symbol);
            }

            EntropyWriter.Emit(buffer, ref length, ref bits, ref count, (ac.Codes[symbol] << size) | Extra(value, size), ac.Lengths[symbol] + size);
        }

        if (last < 63)
        {
            if (ac.Lengths[EndOfBlock] == 0)
            {
                return MissingCode(ac, EndOfBlock);
            }

            EntropyWriter.Emit(buffer, ref length, ref bits, ref count, ac.Codes[EndOfBlock], ac.Lengths[EndOfBlock]);
        }

        writer.End(length, bits, count);
        return null;
    }

    private static bool DecodeDc(ref EntropyReader reader, HuffmanTable table, ref int predictor)
    {
        var size = reader.Decode(table);
        if ((uint)size > 11)
        {
            return false; // no code (-1), or a DC difference wider than 8-bit data allows
        }

        predictor += reader.Receive(size);
        return predictor is >= short.MinValue and <= short.MaxValue;
    }

    /// <summary>A value's extra bits: negative values are sent as value - 1 in size bits (T.81 F.1.2.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Extra(int value, int size) => (uint)(value < 0 ? value - 1 : value) & ((1u << size) - 1);

    // Failures are built out of line: their string formatting would weigh on every symbol's code.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ScanFailure MissingCode(HuffmanTable table, int symbol) =>
        new(ScanFailureKind.MissingHuffmanCode, $"the source's {table.Name} has no code for symbol 0x{symbol:X2}");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ScanFailure OutOfRange(int value) =>
        new(ScanFailureKind.CoefficientOutOfRange, $"a coefficient or DC difference of {value} does not fit a baseline 8-bit JPEG");

    /// <summary>Bit k set when coefficient k is not zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong NonZero(ReadOnlySpan<short> coefficients)
    {
        ulong mask = 0;
        for (var i = 0; i < 64; i += 16)
        {
            var low = Vector128.Create(coefficients.Slice(i, 8));
            var high = Vector128.Create(coefficients.Slice(i + 8, 8));
            var zero = Vector128.Narrow(Vector128.Equals(low, Vector128<short>.Zero), Vector128.Equals(high, Vector128<short>.Zero));
            mask |= (ulong)(~zero.ExtractMostSignificantBits() & 0xFFFF) << i;
        }

        return mask;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BitLength(int value) => 32 - BitOperations.LeadingZeroCount((uint)Math.Abs(value));
}
