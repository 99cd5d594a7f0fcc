using System.Buffers.Binary;

namespace ImageJobs.Tests.Support;

public static class TestZips
{
    /// <summary>
    /// Central-directory records only (names of one byte, no entry data), then an end record
    /// claiming <paramref name="claimedEntries"/>: 47 bytes a record, so a million records is a 47 MB "zip".
    /// </summary>
    public static MemoryStream DirectoryRecords(int records, ushort claimedEntries)
    {
        const int record = 47;
        var bytes = new byte[(records * (long)record) + 22];
        for (var i = 0; i < records; i++)
        {
            var at = bytes.AsSpan(i * record);
            BinaryPrimitives.WriteUInt32LittleEndian(at, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(at[28..], 1);
            at[46] = (byte)'a';
        }

        var end = bytes.AsSpan(records * record);
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], claimedEntries);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], claimedEntries);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], (uint)(records * record));
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], 0);
        return new MemoryStream(bytes);
    }
}
