using System.Buffers.Binary;

namespace ImageJobs.Rendering.Imaging.Jpeg;

/// <summary>How a frame's scans are coded: its SOF marker.</summary>
public enum JpegProcess
{
    /// <summary>SOF0.</summary>
    Baseline,

    /// <summary>SOF1: sequential Huffman, 8- or 12-bit.</summary>
    ExtendedSequential,

    /// <summary>SOF2.</summary>
    Progressive,

    /// <summary>SOF3 (lossless), SOF5-7 (hierarchical), SOF9-15 (arithmetic).</summary>
    Other,
}

/// <summary>A frame component: its id, sampling factors (1-4) and quantisation table (0-3).</summary>
public readonly record struct JpegComponent(byte Id, int Horizontal, int Vertical, int QuantTable);

/// <summary>One Huffman table as stored: class (0 DC, 1 AC), id, code counts by length 1-16, symbols in code order.</summary>
public sealed record JpegHuffmanTable(int Class, int Id, byte[] Counts, byte[] Symbols);

/// <summary>A scan component: its index in the frame and its DC and AC Huffman table ids.</summary>
public readonly record struct JpegScanComponent(int Component, int DcTable, int AcTable);

/// <summary>
/// A JPEG's markers up to its first scan, parsed without decoding anything: the frame (size,
/// components, sampling), quantisation and Huffman tables, restart interval, the Adobe colour
/// transform, and where the first scan's entropy-coded data starts. Pure: reads bytes only, and
/// bounded by them (untrusted). <see cref="Read"/> returns what it found before any damage; the
/// decoder judges the rest.
/// </summary>
public sealed class JpegHeader
{
    /// <summary>Position in the 8x8 block (row major) of each zigzag index.</summary>
    public static ReadOnlySpan<byte> NaturalOrder =>
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

    private readonly int[]?[] _quantTables = new int[]?[4];
    private readonly List<JpegHuffmanTable> _huffmanTables = [];
    private readonly List<Range> _profileSegments = [];

    private JpegHeader()
    {
    }

    public JpegProcess? Process { get; private set; }

    /// <summary>Bits per sample (8 or 12); 0 without a frame header.</summary>
    public int Precision { get; private set; }

    public int Width { get; private set; }

    public int Height { get; private set; }

    public IReadOnlyList<JpegComponent> Components { get; private set; } = [];

    /// <summary>MCUs between restart markers (0: none).</summary>
    public int RestartInterval { get; private set; }

    /// <summary>An Adobe APP14 segment's colour transform (0 none: RGB or CMYK, 1 YCbCr, 2 YCCK), or null without one.</summary>
    public int? AdobeTransform { get; private set; }

    /// <summary>The first scan's components and Huffman tables; empty when no scan header was read.</summary>
    public IReadOnlyList<JpegScanComponent> Scan { get; private set; } = [];

    /// <summary>Offset of the first scan's entropy-coded data (just after its SOS segment), or -1.</summary>
    public int EntropyStart { get; private set; } = -1;

    /// <summary>Huffman tables defined before the first scan, in file order (a later one replaces an earlier one of the same class and id).</summary>
    public IReadOnlyList<JpegHuffmanTable> HuffmanTables => _huffmanTables;

    /// <summary>The APP2 "ICC_PROFILE" segments before the first scan, marker and length included, as ranges of the bytes read.</summary>
    public IReadOnlyList<Range> ProfileSegments => _profileSegments;

    public int MaxHorizontal => Components.Count == 0 ? 1 : Components.Max(c => c.Horizontal);

    public int MaxVertical => Components.Count == 0 ? 1 : Components.Max(c => c.Vertical);

    /// <summary>Quantisation table 0-3 in zigzag order (as stored), or null when not defined before the first scan.</summary>
    public int[]? QuantTable(int id) => _quantTables[id];

    public static JpegHeader Read(ReadOnlySpan<byte> jpeg)
    {
        var header = new JpegHeader();
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            return header;
        }

        var at = 2;
        while (at + 4 <= jpeg.Length)
        {
            if (jpeg[at] != 0xFF)
            {
                return header; // not a marker where one must be: stop, the decoder will judge the file
            }

            var marker = jpeg[at + 1];
            if (marker == 0xFF)
            {
                at++; // fill byte
                continue;
            }

            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                at += 2; // no length
                continue;
            }

            if (marker == 0xD9)
            {
                return header;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(at + 2)..]);
            if (length < 2 || at + 2 + length > jpeg.Length)
            {
                return header;
            }

            var segment = jpeg.Slice(at + 4, length - 2);
            switch (marker)
            {
                case 0xDB:
                    header.ReadQuantTables(segment);
                    break;
                case 0xC4:
                    header.ReadHuffmanTables(segment);
                    break;
                case 0xDD when segment.Length >= 2:
                    header.RestartInterval = BinaryPrimitives.ReadUInt16BigEndian(segment);
                    break;
                case 0xE2 when segment.StartsWith("ICC_PROFILE\0"u8):
                    header._profileSegments.Add(at..(at + 2 + length));
                    break;
                case 0xEE when segment.Length >= 12 && segment.StartsWith("Adobe"u8):
                    header.AdobeTransform = segment[11];
                    break;
                case >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC):
                    if (header.Process is not null)
                    {
                        return header; // a second frame header: not a JPEG we read
                    }

                    header.ReadFrame(marker, segment);
                    break;
                case 0xDA:
                    header.ReadScan(segment);
                    header.EntropyStart = at + 2 + length;
                    return header;
            }

            at += 2 + length;
        }

        return header;
    }

    private void ReadFrame(byte marker, ReadOnlySpan<byte> segment)
    {
        Process = marker switch
        {
            0xC0 => JpegProcess.Baseline,
            0xC1 => JpegProcess.ExtendedSequential,
            0xC2 => JpegProcess.Progressive,
            _ => JpegProcess.Other,
        };
        if (segment.Length < 6)
        {
            return;
        }

        Precision = segment[0];
        Height = BinaryPrimitives.ReadUInt16BigEndian(segment[1..]);
        Width = BinaryPrimitives.ReadUInt16BigEndian(segment[3..]);
        var count = segment[5];
        if (segment.Length < 6 + (3 * count))
        {
            return;
        }

        var components = new JpegComponent[count];
        for (var i = 0; i < count; i++)
        {
            var part = segment.Slice(6 + (3 * i), 3);
            components[i] = new JpegComponent(part[0], part[1] >> 4, part[1] & 0x0F, part[2]);
        }

        Components = components;
    }

    private void ReadScan(ReadOnlySpan<byte> segment)
    {
        if (segment.Length < 1 || segment.Length < 1 + (2 * segment[0]))
        {
            return;
        }

        var scan = new JpegScanComponent[segment[0]];
        for (var i = 0; i < scan.Length; i++)
        {
            var id = segment[1 + (2 * i)];
            var tables = segment[2 + (2 * i)];
            var component = -1;
            for (var c = 0; c < Components.Count; c++)
            {
                if (Components[c].Id == id)
                {
                    component = c;
                }
            }

            scan[i] = new JpegScanComponent(component, tables >> 4, tables & 0x0F);
        }

        Scan = scan;
    }

    private void ReadQuantTables(ReadOnlySpan<byte> segment)
    {
        while (segment.Length > 0)
        {
            var precision = segment[0] >> 4;
            var id = segment[0] & 0x0F;
            var size = precision == 0 ? 64 : 128;
            if (id > 3 || segment.Length < 1 + size)
            {
                return;
            }

            var table = new int[64];
            for (var i = 0; i < 64; i++)
            {
                table[i] = precision == 0 ? segment[1 + i] : BinaryPrimitives.ReadUInt16BigEndian(segment[(1 + (2 * i))..]);
            }

            _quantTables[id] = table;
            segment = segment[(1 + size)..];
        }
    }

    private void ReadHuffmanTables(ReadOnlySpan<byte> segment)
    {
        while (segment.Length >= 17)
        {
            var counts = segment.Slice(1, 16).ToArray();
            var total = counts.Sum(c => c);
            if (segment.Length < 17 + total)
            {
                return;
            }

            var table = new JpegHuffmanTable(segment[0] >> 4, segment[0] & 0x0F, counts, segment.Slice(17, total).ToArray());
            _huffmanTables.RemoveAll(t => t.Class == table.Class && t.Id == table.Id);
            _huffmanTables.Add(table);
            segment = segment[(17 + total)..];
        }
    }
}
