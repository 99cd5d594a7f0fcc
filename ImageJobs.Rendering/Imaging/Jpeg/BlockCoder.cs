using System.Numerics;
using System.Runtime.CompilerServices;

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

        var store = !block.IsEmpty;
        if (store)
        {
            block[0] = (short)predictor;
        }

        var ac = component.Ac;
        var natural = JpegHeader.NaturalOrder;
        for (var k = 1; k < 64; k++)
        {
            var symbol = reader.Decode(ac);
            var (run, size) = (symbol >> 4, symbol & 0x0F);
            if (size == 0)
            {
                if (symbol == EndOfBlock)
                {
                    return true;
                }

                // Sixteen zeros (a ZRL) must fit in the block; other sizeless symbols are not codes.
                if (symbol != ZeroRun || (k += 15) > 63)
                {
                    return false;
                }

                continue;
            }

            k += run;
            if (symbol < 0 || size > 10 || k > 63)
            {
                return false;
            }

            if (store)
            {
                block[natural[k]] = (short)reader.Receive(size);
            }
            else
            {
                reader.Skip(size);
            }
        }

        return true;
    }

    /// <summary>Encodes one block (natural order); a failure when a symbol has no code or a value does not fit baseline.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScanFailure? Encode(EntropyWriter writer, ScanComponent component, ReadOnlySpan<short> block, ref int predictor)
    {
        var difference = block[0] - predictor;
        predictor = block[0];
        var size = BitLength(difference);
        if (size > 11)
        {
            return OutOfRange(difference);
        }

        var failure = Put(writer, component.Dc, difference, size, size);
        if (failure is not null)
        {
            return failure;
        }

        var ac = component.Ac;
        var natural = JpegHeader.NaturalOrder;
        var run = 0;
        for (var k = 1; k < 64; k++)
        {
            int value = block[natural[k]];
            if (value == 0)
            {
                run++;
                continue;
            }

            for (; run > 15; run -= 16)
            {
                if ((failure = Put(writer, ac, 0, 0, ZeroRun)) is not null)
                {
                    return failure;
                }
            }

            size = BitLength(value);
            if (size > 10)
            {
                return OutOfRange(value);
            }

            if ((failure = Put(writer, ac, value, size, (run << 4) | size)) is not null)
            {
                return failure;
            }

            run = 0;
        }

        return run > 0 ? Put(writer, ac, 0, 0, EndOfBlock) : null;
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

    /// <summary>Writes <paramref name="symbol"/>'s code and the low <paramref name="size"/> bits of <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ScanFailure? Put(EntropyWriter writer, HuffmanTable table, int value, int size, int symbol)
    {
        var length = table.Lengths[symbol];
        if (length == 0)
        {
            return new ScanFailure(ScanFailureKind.MissingHuffmanCode, $"the source's {table.Name} has no code for symbol 0x{symbol:X2}");
        }

        // Negative values are sent as value - 1 in size bits (T.81 F.1.2.1).
        var bits = (uint)(value < 0 ? value - 1 : value) & ((1u << size) - 1);
        writer.Put((table.Codes[symbol] << size) | bits, length + size);
        return null;
    }

    private static ScanFailure OutOfRange(int value) =>
        new(ScanFailureKind.CoefficientOutOfRange, $"a coefficient or DC difference of {value} does not fit a baseline 8-bit JPEG");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BitLength(int value) => 32 - BitOperations.LeadingZeroCount((uint)Math.Abs(value));
}
