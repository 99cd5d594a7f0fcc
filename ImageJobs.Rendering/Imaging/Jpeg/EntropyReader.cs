using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ImageJobs.Rendering.Imaging.Jpeg;

/// <summary>
/// Reads the bits of one entropy-coded segment (between SOS or a restart marker and the next
/// marker): byte stuffing undone, zeros fed past the segment's end and counted, so running out is
/// seen as truncation rather than read out of bounds. Knows, at any point, which source byte and
/// bit the next unread bit is (for the splice).
/// </summary>
internal ref struct EntropyReader
{
    private readonly ReadOnlySpan<byte> _jpeg;
    private readonly int _start;
    private readonly int _end;
    private int _position;
    private ulong _bits; // left-aligned: the top _count bits are unread
    private int _count;
    private int _padding; // zero bytes fed after _end

    public EntropyReader(ReadOnlySpan<byte> jpeg, int start, int end)
    {
        _jpeg = jpeg;
        (_start, _end, _position) = (start, end, start);
    }

    /// <summary>True once bits fed after the segment's end have been read: the data is truncated.</summary>
    public readonly bool Overrun => _count < 8 * _padding;

    /// <summary>Whole source bytes of the segment not yet read (0 when only padding bits are left).</summary>
    public readonly int UnreadBytes
    {
        get
        {
            var (at, bitsRead) = Position;
            // A partly read byte ends the data read so far; a stuffed 0xFF takes two bytes.
            return _end - (bitsRead == 0 ? at : at + (_jpeg[at] == 0xFF ? 2 : 1));
        }
    }

    /// <summary>The source byte holding the next unread bit, and how many of its high bits were read.</summary>
    public readonly (int Offset, int BitsRead) Position
    {
        get
        {
            var unread = _count - (8 * _padding);
            var at = _position;
            for (var i = unread / 8; i > 0; i--)
            {
                at = Previous(at);
            }

            return unread % 8 == 0 ? (at, 0) : (Previous(at), 8 - (unread % 8));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Decode(HuffmanTable table)
    {
        if (_count < 32)
        {
            Fill();
        }

        var look = table.Lookahead[(int)(_bits >> (64 - HuffmanTable.LookaheadBits))];
        if (look != 0)
        {
            Skip(look >> 8);
            return look & 0xFF;
        }

        return DecodeLong(table);
    }

    /// <summary>Decodes a block's AC coefficients into <paramref name="block"/> (natural order, cleared). False when the data is not a block.</summary>
    public bool DecodeAc(HuffmanTable table, Span<short> block)
    {
        ref var look = ref MemoryMarshal.GetArrayDataReference(table.Lookahead);
        var natural = JpegHeader.NaturalOrder;
        var (bits, count) = (_bits, _count);
        for (var k = 1; k < 64; k++)
        {
            if (count < 32)
            {
                (_bits, _count) = (bits, count);
                Fill();
                (bits, count) = (_bits, _count);
            }

            int entry = Unsafe.Add(ref look, (int)(bits >> (64 - HuffmanTable.LookaheadBits)));
            int symbol;
            if (entry != 0)
            {
                bits <<= entry >> 8;
                count -= entry >> 8;
                symbol = entry & 0xFF;
            }
            else
            {
                (_bits, _count) = (bits, count);
                symbol = DecodeLong(table);
                (bits, count) = (_bits, _count);
            }

            var (run, size) = (symbol >> 4, symbol & 0x0F);
            if (size == 0)
            {
                // End of block; sixteen zeros (a ZRL) that fit in the block; anything else is not a code.
                var ok = symbol == 0x00 || (symbol == 0xF0 && (k += 15) <= 63);
                if (!ok || symbol == 0x00)
                {
                    (_bits, _count) = (bits, count);
                    return ok;
                }

                continue;
            }

            k += run;
            if (symbol < 0 || size > 10 || k > 63)
            {
                (_bits, _count) = (bits, count);
                return false;
            }

            var value = (int)(bits >> (64 - size));
            bits <<= size;
            count -= size;
            block[natural[k]] = (short)(value < 1 << (size - 1) ? value - (1 << size) + 1 : value);
        }

        (_bits, _count) = (bits, count);
        return true;
    }

    /// <summary>
    /// Reads past a block's AC coefficients (the decode-only pass): whole code-and-extra-bits
    /// steps from the skip table, the rest symbol by symbol. False when the data is not a block.
    /// </summary>
    public bool SkipAc(HuffmanTable table)
    {
        ref var skip = ref MemoryMarshal.GetArrayDataReference(table.SkipLookahead);
        // The buffer in locals (registers) for the loop; back in the fields around a refill.
        var (bits, count) = (_bits, _count);
        for (var k = 1; k < 64;)
        {
            if (count < 32)
            {
                (_bits, _count) = (bits, count);
                Fill();
                (bits, count) = (_bits, _count);
            }

            int step = Unsafe.Add(ref skip, (int)(bits >> (64 - HuffmanTable.SkipBits)));
            int advance;
            if (step != 0)
            {
                bits <<= step & 0x1F;
                count -= step & 0x1F;
                advance = step >> 5;
            }
            else
            {
                (_bits, _count) = (bits, count);
                var symbol = Decode(table);
                advance = HuffmanTable.AcAdvance(symbol);
                if (advance >= 0)
                {
                    Skip(symbol & 0x0F);
                }

                (bits, count) = (_bits, _count);
            }

            if (advance <= 0)
            {
                (_bits, _count) = (bits, count);
                return advance == 0; // end of block, or not a code
            }

            // A coefficient (or the last of sixteen zeros) beyond index 63 is not a block.
            if ((k += advance) > 64)
            {
                (_bits, _count) = (bits, count);
                return false;
            }
        }

        (_bits, _count) = (bits, count);
        return true;
    }

    /// <summary><paramref name="size"/> bits as a signed coefficient (T.81 F.2.2.1 EXTEND); 0 for size 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Receive(int size)
    {
        if (size == 0)
        {
            return 0;
        }

        var value = (int)(_bits >> (64 - size));
        Skip(size);
        return value < 1 << (size - 1) ? value - (1 << size) + 1 : value;
    }

    /// <summary>Reads and drops <paramref name="size"/> bits (at most 16; a symbol's extra bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Skip(int size)
    {
        _bits <<= size;
        _count -= size;
    }

    private int DecodeLong(HuffmanTable table)
    {
        for (var length = HuffmanTable.LookaheadBits + 1; length <= 16; length++)
        {
            var code = (int)(_bits >> (64 - length));
            if (code <= table.MaxCode[length])
            {
                Skip(length);
                return table.Symbols[code + table.ValueOffset[length]];
            }
        }

        return -1;
    }

    /// <summary>Tops the buffer up to at least 56 bits: 8 bytes at once when none of them is 0xFF.</summary>
    private void Fill()
    {
        if (_end - _position >= 8)
        {
            var next = BinaryPrimitives.ReadUInt64BigEndian(_jpeg[_position..]);
            var inverted = ~next;
            if (((inverted - 0x0101010101010101UL) & ~inverted & 0x8080808080808080UL) == 0)
            {
                var bytes = (63 - _count) >> 3;
                _bits |= next >> (64 - (8 * bytes)) << (64 - _count - (8 * bytes));
                _count += 8 * bytes;
                _position += bytes;
                return;
            }
        }

        while (_count <= 56)
        {
            ulong value = 0;
            if (_position < _end)
            {
                value = _jpeg[_position];
                // Inside a segment every 0xFF is followed by its stuffed 0x00 (markers end segments).
                _position += value == 0xFF ? 2 : 1;
            }
            else
            {
                _padding++;
            }

            _bits |= value << (56 - _count);
            _count += 8;
        }
    }

    private readonly int Previous(int at) => at - 2 >= _start && _jpeg[at - 1] == 0x00 && _jpeg[at - 2] == 0xFF ? at - 2 : at - 1;
}
