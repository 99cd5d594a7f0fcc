namespace ImageJobs.Rendering.Imaging.Jpeg;

/// <summary>
/// One DHT table, for decoding (a 9-bit lookahead as libjpeg's, then the canonical code's
/// per-length limits for longer codes) and for encoding with the same codes.
/// </summary>
public sealed class HuffmanTable
{
    public const int LookaheadBits = 9;

    /// <summary>Bits of the skip table: an AC code and its extra bits together.</summary>
    public const int SkipBits = 10;

    private HuffmanTable(string name) => Name = name;

    /// <summary>"DC table 0", "AC table 1": for refusal messages.</summary>
    public string Name { get; }

    /// <summary>For each 9-bit prefix: (code length &lt;&lt; 8) | symbol, or 0 when the code is longer (or invalid).</summary>
    internal ushort[] Lookahead { get; } = new ushort[1 << LookaheadBits];

    /// <summary>
    /// For each 10-bit prefix that holds a whole AC code and its extra bits: their length (low 5
    /// bits) and how far the coefficient index moves (run + 1, 16 for ZRL, 0 for end of block);
    /// 0 when they do not fit (or are no code).
    /// </summary>
    internal ushort[] SkipLookahead { get; } = new ushort[1 << SkipBits];

    /// <summary>The largest code of each length (index 1-16), -1 when there is none.</summary>
    internal int[] MaxCode { get; } = new int[17];

    /// <summary>Added to a code of each length to give its symbol's index in <see cref="Symbols"/>.</summary>
    internal int[] ValueOffset { get; } = new int[17];

    internal byte[] Symbols { get; private init; } = [];

    /// <summary>Each symbol's code, right-aligned, and its length (0: the table has no code for it).</summary>
    internal uint[] Codes { get; } = new uint[256];

    internal byte[] Lengths { get; } = new byte[256];

    /// <summary>
    /// How far an AC symbol moves the coefficient index: its run + 1 for a coefficient, 16 for a ZRL,
    /// 0 for end of block; -1 for no AC symbol (a size of 0 or above 10, or -1: no code).
    /// </summary>
    internal static int AcAdvance(int symbol) => symbol switch
    {
        0x00 => 0,
        0xF0 => 16,
        < 0 => -1,
        _ => (symbol & 0x0F) is 0 or > 10 ? -1 : (symbol >> 4) + 1,
    };

    /// <summary>The table from a DHT's 16 counts and its symbols; null when the counts overfill the code space or a symbol repeats.</summary>
    public static HuffmanTable? Build(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols, string name)
    {
        var table = new HuffmanTable(name) { Symbols = symbols.ToArray() };
        var (code, index) = (0, 0);
        for (var length = 1; length <= 16; length++)
        {
            table.ValueOffset[length] = index - code;
            for (var i = 0; i < counts[length - 1]; i++, index++, code++)
            {
                var symbol = symbols[index];
                if (table.Lengths[symbol] != 0)
                {
                    return null;
                }

                (table.Codes[symbol], table.Lengths[symbol]) = ((uint)code, (byte)length);
                if (length <= LookaheadBits)
                {
                    var shift = LookaheadBits - length;
                    table.Lookahead.AsSpan(code << shift, 1 << shift).Fill((ushort)((length << 8) | symbol));
                }

                var (size, advance) = (symbol & 0x0F, AcAdvance(symbol));
                if (length + size <= SkipBits && advance >= 0)
                {
                    var shift = SkipBits - length;
                    table.SkipLookahead.AsSpan(code << shift, 1 << shift).Fill((ushort)((length + size) | (advance << 5)));
                }
            }

            table.MaxCode[length] = counts[length - 1] == 0 ? -1 : code - 1;
            // As libjpeg: the all-ones code of a length is reserved, so a full code space is refused.
            if (code >= 1 << length)
            {
                return null;
            }

            code <<= 1;
        }

        return table;
    }
}
