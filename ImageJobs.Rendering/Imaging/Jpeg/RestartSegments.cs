namespace ImageJobs.Rendering.Imaging.Jpeg;

/// <summary>
/// The entropy data cut at its restart markers: segment k holds restart interval k (all of the
/// data when there is no DRI). Found by a byte scan (a marker's 0xFF is never stuffed), checked:
/// as many markers as intervals less one, numbered RST0-RST7 in turn.
/// </summary>
internal sealed class RestartSegments
{
    private readonly int[] _starts;
    private readonly int[] _ends;

    private RestartSegments(int[] starts, int[] ends) => (_starts, _ends) = (starts, ends);

    public int Count => _starts.Length;

    public int Start(int segment) => _starts[segment];

    public int End(int segment) => _ends[segment];

    public static RestartSegments? Find(ReadOnlySpan<byte> jpeg, ScanLayout layout, out ScanFailure? failure)
    {
        failure = null;
        var interval = layout.RestartInterval;
        var count = interval == 0 ? 1 : (int)((layout.McuCount + (long)interval - 1) / interval);
        // Each interval takes at least one byte and its marker two: the count is bounded by the data.
        if (count > layout.DataEnd - layout.DataStart + 1)
        {
            failure = ScanFailure.Truncated($"{count} restart intervals in {layout.DataEnd - layout.DataStart} bytes");
            return null;
        }

        var (starts, ends) = (new int[count], new int[count]);
        (starts[0], ends[count - 1]) = (layout.DataStart, layout.DataEnd);
        var (found, at) = (0, layout.DataStart);
        while (at < layout.DataEnd)
        {
            var next = jpeg[at..layout.DataEnd].IndexOf((byte)0xFF);
            if (next < 0)
            {
                break;
            }

            var ff = at + next;
            var marker = ff + 1;
            while (jpeg[marker] == 0xFF)
            {
                marker++; // fill bytes before a marker (FindDataEnd stopped at any other marker)
            }

            if (jpeg[marker] == 0x00 && marker != ff + 1)
            {
                failure = ScanFailure.Corrupt($"0xFF bytes without their stuffing at byte {ff}");
                return null;
            }

            if (jpeg[marker] != 0x00)
            {
                if (interval == 0 || found == count - 1 || jpeg[marker] != 0xD0 + (found % 8))
                {
                    failure = ScanFailure.Corrupt(interval == 0
                        ? "a restart marker in a JPEG without a restart interval"
                        : $"restart marker 0x{jpeg[marker]:X2} where restart {found} was expected (or one too many)");
                    return null;
                }

                ends[found] = ff;
                starts[++found] = marker + 1;
            }

            at = marker + 1;
        }

        if (found != count - 1)
        {
            failure = ScanFailure.Truncated($"{found + 1} restart intervals where the image has {count}");
            return null;
        }

        return new RestartSegments(starts, ends);
    }
}
