using System.Buffers.Binary;

namespace ImageJobs.Producer.Sources;

/// <summary>
/// A zip's central directory counted before <see cref="System.IO.Compression.ZipArchive"/> reads
/// it: ZipArchive lists every entry (and allocates for each) before anyone can count them, so a
/// small zip of millions of directory records costs gigabytes. This walks the records as ZipArchive
/// will (consecutive central-directory headers from the start the end record gives, zip64 too),
/// holding nothing, and stops at the first record past the limits.
/// </summary>
public static class ZipDirectory
{
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint EntrySignature = 0x02014b50;
    private const int EndLength = 22;
    private const int EntryLength = 46;

    /// <summary>Why the zip's directory is refused (too many records, too many bytes), or null; not a zip at all is left to ZipArchive.</summary>
    public static string? Check(Stream zip, int maxEntries, long maxDirectoryBytes)
    {
        if (FindStart(zip) is not { } start || start < 0 || start >= zip.Length)
        {
            return null;
        }

        zip.Position = start;
        Span<byte> header = stackalloc byte[EntryLength];
        long entries = 0, bytes = 0;
        while (zip.Position + EntryLength <= zip.Length)
        {
            zip.ReadExactly(header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != EntrySignature)
            {
                break;
            }

            if (++entries > maxEntries)
            {
                return $"more than {maxEntries:N0} entries in its directory";
            }

            var variable = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]) + BinaryPrimitives.ReadUInt16LittleEndian(header[30..])
                + BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);
            bytes += EntryLength + variable;
            if (bytes > maxDirectoryBytes)
            {
                return $"a directory of more than {maxDirectoryBytes:N0} bytes";
            }

            zip.Seek(variable, SeekOrigin.Current);
        }

        return null;
    }

    /// <summary>Where the central directory starts, from the end record (or its zip64 one), or null without one.</summary>
    private static long? FindStart(Stream zip)
    {
        if (zip.Length < EndLength)
        {
            return null;
        }

        // The end record is last, followed by a comment of at most 65,535 bytes.
        var tail = new byte[(int)Math.Min(zip.Length, EndLength + ushort.MaxValue)];
        zip.Position = zip.Length - tail.Length;
        zip.ReadExactly(tail);
        for (var at = tail.Length - EndLength; at >= 0; at--)
        {
            var end = tail.AsSpan(at);
            if (BinaryPrimitives.ReadUInt32LittleEndian(end) != EndSignature)
            {
                continue;
            }

            var offset = BinaryPrimitives.ReadUInt32LittleEndian(end[16..]);
            if (offset != uint.MaxValue && BinaryPrimitives.ReadUInt16LittleEndian(end[10..]) != ushort.MaxValue)
            {
                return offset;
            }

            // Zip64: a locator just before the end record points at the zip64 end record.
            var locator = zip.Length - tail.Length + at - 20;
            return locator >= 0 ? Zip64Start(zip, locator) : null;
        }

        return null;
    }

    private static long? Zip64Start(Stream zip, long locator)
    {
        Span<byte> buffer = stackalloc byte[56];
        zip.Position = locator;
        zip.ReadExactly(buffer[..20]);
        if (BinaryPrimitives.ReadUInt32LittleEndian(buffer) != Zip64LocatorSignature)
        {
            return null;
        }

        var record = BinaryPrimitives.ReadInt64LittleEndian(buffer[8..]);
        if (record < 0 || record + 56 > zip.Length)
        {
            return null;
        }

        zip.Position = record;
        zip.ReadExactly(buffer);
        return BinaryPrimitives.ReadUInt32LittleEndian(buffer) == Zip64EndSignature ? BinaryPrimitives.ReadInt64LittleEndian(buffer[48..]) : null;
    }
}
