using System.Buffers;

namespace ImageJobs.Rendering.Imaging.Jpeg;

/// <summary>
/// Called once for every block row of every component inside the edited MCU rows, with that
/// row's quantised coefficients in natural (row-major) order, 64 per block, the component's
/// <see cref="ScanComponent.WidthInBlocks"/> blocks: libjpeg's JBLOCKROW layout.
/// </summary>
/// <param name="component">The component's index in the frame header (0 is Y).</param>
/// <param name="blockRow">The block row in that component's coefficient array.</param>
public delegate void BlockRowEdit(int component, int blockRow, Span<short> coefficients);

/// <summary>The rewritten JPEG, or why there is none.</summary>
public sealed record ScanRewrite(byte[]? Jpeg, ScanFailure? Failure)
{
    public bool Succeeded => Jpeg is not null;
}

/// <summary>
/// Rewrites a baseline Huffman JPEG's scan from one MCU row on: every marker and the entropy
/// data before that row are copied as they are (found by a decode-only pass, or at the restart
/// marker before the row), the rows from there are decoded, edited and encoded again with the
/// source's own Huffman tables and restart interval, and with restart markers, the intervals after
/// the edited rows are copied too. So the bytes outside the edit stay the source's.
/// </summary>
/// <remarks>
/// Written here because no library resumes entropy coding mid-scan: JpegLibrary 0.4.32's scan
/// decoders are internal and run a whole scan (with IDCT) into its block writer, its encoder
/// starts from SOI, and libjpeg-turbo's transform re-encodes the whole stream.
/// </remarks>
public static class JpegScanRewriter
{
    public static ScanRewrite Rewrite(ReadOnlySpan<byte> jpeg, int firstRow, int endRow, BlockRowEdit edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        var layout = ScanLayout.Read(jpeg, out var failure);
        return layout is null ? new ScanRewrite(null, failure) : Rewrite(jpeg, layout, firstRow, endRow, edit);
    }

    /// <summary>Rewrites MCU rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) of a JPEG whose layout was read already.</summary>
    public static ScanRewrite Rewrite(ReadOnlySpan<byte> jpeg, ScanLayout layout, int firstRow, int endRow, BlockRowEdit edit)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(edit);
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(endRow, firstRow);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(endRow, layout.McuRows);
        var segments = RestartSegments.Find(jpeg, layout, out var failure);
        if (segments is null)
        {
            return new ScanRewrite(null, failure);
        }

        var components = layout.Components;
        var rows = new short[components.Count][];
        for (var c = 0; c < rows.Length; c++)
        {
            rows[c] = ArrayPool<short>.Shared.Rent(components[c].Vertical * components[c].WidthInBlocks * 64);
        }

        try
        {
            var session = new ScanSession(jpeg, layout, segments, rows);
            failure = session.Run(firstRow, endRow, edit);
            return failure is null ? new ScanRewrite(session.Output.ToArray(), null) : new ScanRewrite(null, failure);
        }
        finally
        {
            foreach (var row in rows)
            {
                ArrayPool<short>.Shared.Return(row);
            }
        }
    }

    /// <summary>One rewrite: the reader in the source's current restart segment, the writer, both sides' DC predictors.</summary>
    private ref struct ScanSession(ReadOnlySpan<byte> jpeg, ScanLayout layout, RestartSegments segments, short[][] rows)
    {
        private readonly ReadOnlySpan<byte> _jpeg = jpeg;
        private readonly int _interval = layout.RestartInterval;
        private readonly ScanComponent[] _components = [.. layout.Components];
        private readonly int[] _decodePredictors = new int[layout.Components.Count];
        private readonly int[] _encodePredictors = new int[layout.Components.Count];
        private readonly (int Component, int Offset)[] _blocks = McuBlocks(layout);
        private EntropyReader _reader;
        private int _segment;

        public EntropyWriter Output { get; } = new(jpeg.Length + (jpeg.Length / 8));

        public ScanFailure? Run(int firstRow, int endRow, BlockRowEdit edit)
        {
            var perRow = layout.McusPerRow;
            var (first, end) = (firstRow * perRow, endRow * perRow);
            // The MCUs after the edit are coded again up to the next restart marker, from which on they are copied.
            var stop = _interval == 0 ? layout.McuCount : (int)Math.Min(layout.McuCount, ((end + (long)_interval - 1) / _interval) * _interval);
            _segment = _interval == 0 ? 0 : first / _interval;
            _reader = new EntropyReader(_jpeg, segments.Start(_segment), segments.End(_segment));
            for (var mcu = _segment * _interval; mcu < first; mcu++)
            {
                var failure = SkipMcu(mcu);
                if (failure is not null)
                {
                    return failure;
                }
            }

            var (offset, bitsRead) = _reader.Position;
            Output.WriteBytes(_jpeg[..offset]);
            Output.Put((uint)_jpeg[offset] >> (8 - bitsRead), bitsRead);
            _decodePredictors.CopyTo(_encodePredictors, 0);
            for (var row = firstRow; row * perRow < stop; row++)
            {
                var (from, to) = (row * perRow, Math.Min((row + 1) * perRow, stop));
                var failure = DecodeRow(from, to);
                if (failure is null && row < endRow)
                {
                    EditRow(row, edit);
                }

                failure ??= EncodeRow(from, to, first);
                if (failure is not null)
                {
                    return failure;
                }
            }

            var ended = EndSegment();
            if (ended is not null)
            {
                return ended;
            }

            if (stop == layout.McuCount)
            {
                Output.PadAndMark(0);
                Output.WriteBytes(_jpeg[layout.DataEnd..]);
            }
            else
            {
                Output.PadAndMark(RestartMarker(stop));
                Output.WriteBytes(_jpeg[segments.Start(stop / _interval)..]);
            }

            return null;
        }

        /// <summary>The marker before the interval that starts at <paramref name="mcu"/>: RST0 to RST7 in turn.</summary>
        private readonly byte RestartMarker(int mcu) => (byte)(0xD0 + (((mcu / _interval) - 1) % 8));

        private ScanFailure? SkipMcu(int mcu)
        {
            foreach (var (c, _) in _blocks)
            {
                if (!BlockCoder.Decode(ref _reader, _components[c], [], ref _decodePredictors[c]))
                {
                    return Damaged(mcu);
                }
            }

            return _reader.Overrun ? Damaged(mcu) : null;
        }

        private ScanFailure? DecodeRow(int from, int to)
        {
            var components = _components;
            for (var mcu = from; mcu < to; mcu++)
            {
                if (_interval != 0 && mcu % _interval == 0 && mcu / _interval != _segment)
                {
                    var ended = EndSegment();
                    if (ended is not null)
                    {
                        return ended;
                    }

                    _reader = new EntropyReader(_jpeg, segments.Start(++_segment), segments.End(_segment));
                    Array.Clear(_decodePredictors);
                }

                foreach (var (c, offset) in _blocks)
                {
                    var component = components[c];
                    var block = rows[c].AsSpan(offset + ((mcu - from) * component.Horizontal * 64), 64);
                    block.Clear();
                    if (!BlockCoder.Decode(ref _reader, component, block, ref _decodePredictors[c]))
                    {
                        return Damaged(mcu);
                    }
                }

                if (_reader.Overrun)
                {
                    return Damaged(mcu);
                }
            }

            return null;
        }

        private readonly void EditRow(int row, BlockRowEdit edit)
        {
            var components = _components;
            for (var c = 0; c < components.Length; c++)
            {
                var component = components[c];
                var length = component.WidthInBlocks * 64;
                for (var y = 0; y < component.Vertical; y++)
                {
                    edit(component.FrameIndex, (row * component.Vertical) + y, rows[c].AsSpan(y * length, length));
                }
            }
        }

        private readonly ScanFailure? EncodeRow(int from, int to, int first)
        {
            var components = _components;
            for (var mcu = from; mcu < to; mcu++)
            {
                if (_interval != 0 && mcu % _interval == 0 && mcu != first)
                {
                    Output.PadAndMark(RestartMarker(mcu));
                    Array.Clear(_encodePredictors);
                }

                foreach (var (c, offset) in _blocks)
                {
                    var component = components[c];
                    var block = rows[c].AsSpan(offset + ((mcu - from) * component.Horizontal * 64), 64);
                    var failure = BlockCoder.Encode(Output, component, block, ref _encodePredictors[c]);
                    if (failure is not null)
                    {
                        return failure;
                    }
                }
            }

            return null;
        }

        /// <summary>An MCU's blocks in coding order: scan component, and offset in its row buffer for the row's first MCU.</summary>
        private static (int Component, int Offset)[] McuBlocks(ScanLayout layout)
        {
            var blocks = new List<(int, int)>();
            for (var c = 0; c < layout.Components.Count; c++)
            {
                var component = layout.Components[c];
                for (var y = 0; y < component.Vertical; y++)
                {
                    for (var x = 0; x < component.Horizontal; x++)
                    {
                        blocks.Add((c, ((y * component.WidthInBlocks) + x) * 64));
                    }
                }
            }

            return [.. blocks];
        }

        /// <summary>The current segment was read to its end: not past it (truncated), no bytes left over (corrupt).</summary>
        private readonly ScanFailure? EndSegment() =>
            _reader.Overrun ? ScanFailure.Truncated($"restart interval {_segment} ends before its last MCU")
            : _reader.UnreadBytes > 0 ? ScanFailure.Corrupt($"{_reader.UnreadBytes} bytes after the last MCU of restart interval {_segment}")
            : null;

        private readonly ScanFailure Damaged(int mcu) =>
            _reader.Overrun ? ScanFailure.Truncated($"the entropy data ends at MCU {mcu}") : ScanFailure.Corrupt($"undecodable entropy data at MCU {mcu}");
    }
}
