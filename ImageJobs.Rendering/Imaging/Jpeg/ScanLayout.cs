using System.Buffers.Binary;

namespace ImageJobs.Rendering.Imaging.Jpeg;

/// <summary>One component of the scan, in scan order: its sampling, its Huffman tables, its blocks per MCU row.</summary>
/// <param name="FrameIndex">Its index in the frame header (the edit callback's component number).</param>
/// <param name="WidthInBlocks">Blocks per block row: MCUs per row x <paramref name="Horizontal"/> (libjpeg's coefficient array width).</param>
public sealed record ScanComponent(int FrameIndex, int Horizontal, int Vertical, HuffmanTable Dc, HuffmanTable Ac, int WidthInBlocks);

/// <summary>
/// What the scan rewriter needs from a baseline JPEG's headers (read by <see cref="JpegHeader"/>,
/// checked here), and where its entropy-coded data lies: the markers up to the only scan's SOS,
/// the entropy data (restart markers in it), and the markers after it up to EOI. Everything is checked against the input's size; unsupported or
/// damaged input gives a <see cref="ScanFailure"/>, never an exception.
/// </summary>
/// <param name="McuHeight">Pixels per MCU row: 8 x the largest vertical sampling factor (8 for one component).</param>
/// <param name="RestartInterval">MCUs per restart interval (DRI), 0 for none.</param>
/// <param name="DataStart">The first byte of the entropy data (after SOS).</param>
/// <param name="DataEnd">The marker that ends the entropy data (its first byte).</param>
public sealed record ScanLayout(
    int Width,
    int Height,
    IReadOnlyList<ScanComponent> Components,
    int McusPerRow,
    int McuRows,
    int McuHeight,
    int RestartInterval,
    int DataStart,
    int DataEnd)
{
    public int McuCount => McusPerRow * McuRows;

    /// <summary>The layout of a baseline JPEG's only scan (<see cref="JpegHeader"/>'s markers, checked), or why there is none.</summary>
    public static ScanLayout? Read(ReadOnlySpan<byte> jpeg, out ScanFailure? failure) => Read(jpeg, JpegHeader.Read(jpeg), out failure);

    /// <summary>The same, with the markers of <paramref name="jpeg"/> read already.</summary>
    public static ScanLayout? Read(ReadOnlySpan<byte> jpeg, JpegHeader header, out ScanFailure? failure)
    {
        ArgumentNullException.ThrowIfNull(header);
        failure = Check(header);
        if (failure is not null)
        {
            return null;
        }

        var (hMax, vMax) = (header.MaxHorizontal, header.MaxVertical);
        var count = header.Components.Count;
        // A single-component scan is not interleaved: its MCU is one block (T.81 A.2.2).
        var (mcuWidth, mcuHeight) = count == 1 ? (8, 8) : (8 * hMax, 8 * vMax);
        var mcusPerRow = (header.Width + mcuWidth - 1) / mcuWidth;
        var mcuRows = (header.Height + mcuHeight - 1) / mcuHeight;
        var tables = new Dictionary<(int Class, int Id), HuffmanTable>();
        foreach (var stored in header.HuffmanTables)
        {
            var name = $"{(stored.Class == 0 ? "DC" : "AC")} table {stored.Id}";
            var table = HuffmanTable.Build(stored.Counts, stored.Symbols, name);
            if (table is null || stored.Class > 1)
            {
                failure = ScanFailure.Corrupt($"Huffman {name} has more codes than its lengths allow, or a symbol twice");
                return null;
            }

            tables[(stored.Class, stored.Id)] = table;
        }

        var components = new ScanComponent[count];
        long blocksPerMcu = 0;
        for (var i = 0; i < count; i++)
        {
            var scan = header.Scan[i];
            if (!tables.TryGetValue((0, scan.DcTable), out var dc) || !tables.TryGetValue((1, scan.AcTable), out var ac))
            {
                failure = ScanFailure.Corrupt($"scan component {i} names a Huffman table that is not defined");
                return null;
            }

            var frame = header.Components[scan.Component];
            var (h, v) = count == 1 ? (1, 1) : (frame.Horizontal, frame.Vertical);
            components[i] = new ScanComponent(scan.Component, h, v, dc, ac, mcusPerRow * h);
            blocksPerMcu += h * v;
        }

        if (blocksPerMcu > 10)
        {
            failure = ScanFailure.Corrupt($"{blocksPerMcu} blocks in an MCU (at most 10)");
            return null;
        }

        var dataStart = header.EntropyStart;
        var dataEnd = FindDataEnd(jpeg, dataStart, out failure);
        if (dataEnd < 0 || !CheckTrailer(jpeg, dataEnd, out failure))
        {
            return null;
        }

        // Every block takes at least two bits (a DC code and an end of block), so a header that
        // declares more blocks than that is refused before any work or buffer grows with it.
        if ((long)mcusPerRow * mcuRows * blocksPerMcu > 4L * (dataEnd - dataStart))
        {
            failure = ScanFailure.Truncated("the header declares more blocks than the entropy data can hold");
            return null;
        }

        return new ScanLayout(header.Width, header.Height, components, mcusPerRow, mcuRows, mcuHeight, header.RestartInterval, dataStart, dataEnd);
    }

    /// <summary>What the rewriter handles: a baseline 8-bit frame of 1 or 3 components, all in one scan.</summary>
    private static ScanFailure? Check(JpegHeader header)
    {
        if (header.Process is JpegProcess.Progressive)
        {
            return ScanFailure.Unsupported("progressive JPEG");
        }

        if (header.Process is JpegProcess.Other)
        {
            return ScanFailure.Unsupported("lossless, hierarchical or arithmetic-coded JPEG");
        }

        if (header.Precision != 8 && header.Process is not null)
        {
            return ScanFailure.Unsupported($"{header.Precision}-bit samples");
        }

        if (header.Components.Count is not (1 or 3) && header.Process is not null)
        {
            return ScanFailure.Unsupported($"{header.Components.Count} components (1 or 3 are supported)");
        }

        if (header.Process is null || header.EntropyStart < 0)
        {
            return ScanFailure.Corrupt("the markers end, or are damaged, before a frame and a scan");
        }

        if (header.Width == 0 || header.Height == 0)
        {
            return ScanFailure.Unsupported("a frame without a width, or with its height in a DNL marker");
        }

        foreach (var component in header.Components)
        {
            if (component.Horizontal is < 1 or > 4 || component.Vertical is < 1 or > 4)
            {
                return ScanFailure.Corrupt($"sampling factors {component.Horizontal}x{component.Vertical}");
            }
        }

        if (header.Scan.Count != header.Components.Count)
        {
            return ScanFailure.Unsupported("a scan without every component (more than one scan)");
        }

        var seen = new HashSet<int>();
        return header.Scan.All(s => s.Component >= 0 && seen.Add(s.Component))
            ? null
            : ScanFailure.Corrupt("a scan component that is not in the frame, or twice in the scan");
    }

    /// <summary>Reads the marker at <paramref name="at"/> (fill bytes skipped) and its segment; leaves <paramref name="at"/> after it.</summary>
    private static bool NextMarker(ReadOnlySpan<byte> jpeg, ref int at, out byte marker, out ReadOnlySpan<byte> segment, out ScanFailure? failure)
    {
        (marker, failure) = (0, null);
        segment = default;
        while (at + 1 < jpeg.Length && jpeg[at] == 0xFF && jpeg[at + 1] == 0xFF)
        {
            at++;
        }

        if (at + 1 >= jpeg.Length)
        {
            failure = ScanFailure.Truncated("the data ends inside the markers");
            return false;
        }

        if (jpeg[at] != 0xFF || jpeg[at + 1] == 0x00)
        {
            failure = ScanFailure.Corrupt($"no marker at byte {at}");
            return false;
        }

        marker = jpeg[at + 1];
        at += 2;
        if (marker is 0x01 or 0xD8 or 0xD9 or (>= 0xD0 and <= 0xD7))
        {
            return true; // no length
        }

        if (at + 2 > jpeg.Length)
        {
            failure = ScanFailure.Truncated("the data ends inside a marker");
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[at..]);
        if (length < 2 || at + length > jpeg.Length)
        {
            failure = length < 2 ? ScanFailure.Corrupt($"a segment length of {length}") : ScanFailure.Truncated("the data ends inside a segment");
            return false;
        }

        segment = jpeg.Slice(at + 2, length - 2);
        at += length;
        return true;
    }

    /// <summary>Where the entropy data ends: the first marker that is not a restart marker (fill bytes before it excluded).</summary>
    private static int FindDataEnd(ReadOnlySpan<byte> jpeg, int at, out ScanFailure? failure)
    {
        failure = null;
        while (true)
        {
            var next = jpeg[at..].IndexOf((byte)0xFF);
            if (next < 0)
            {
                failure = ScanFailure.Truncated("the entropy data ends without a marker");
                return -1;
            }

            var ff = at + next;
            var marker = ff + 1;
            while (marker < jpeg.Length && jpeg[marker] == 0xFF)
            {
                marker++;
            }

            if (marker >= jpeg.Length)
            {
                failure = ScanFailure.Truncated("the entropy data ends without a marker");
                return -1;
            }

            if (jpeg[marker] != 0x00 && jpeg[marker] is not (>= 0xD0 and <= 0xD7))
            {
                return ff;
            }

            at = marker + 1;
        }
    }

    /// <summary>The markers after the scan: no second scan, and an EOI.</summary>
    private static bool CheckTrailer(ReadOnlySpan<byte> jpeg, int at, out ScanFailure? failure)
    {
        while (NextMarker(jpeg, ref at, out var marker, out _, out failure))
        {
            if (marker == 0xD9)
            {
                return true;
            }

            if (marker is 0xDA or 0xDC or (>= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC))
            {
                failure = ScanFailure.Unsupported(marker == 0xDA ? "more than one scan" : $"marker 0x{marker:X2} after the scan");
                return false;
            }
        }

        return false;
    }
}
