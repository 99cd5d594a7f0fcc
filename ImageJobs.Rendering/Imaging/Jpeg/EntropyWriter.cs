using System.Runtime.CompilerServices;

namespace ImageJobs.Rendering.Imaging.Jpeg;

/// <summary>
/// Writes a JPEG: raw bytes (copied markers and entropy data) and entropy-coded bits with 0xFF
/// stuffed, padded with one bits before a marker, as T.81 F.1.2.3 asks.
/// </summary>
internal sealed class EntropyWriter(int capacity)
{
    private byte[] _buffer = new byte[Math.Max(capacity, 1024)];
    private int _length;
    private ulong _bits; // right-aligned: the low _count bits are unwritten
    private int _count;

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Reserve(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>Appends <paramref name="length"/> bits (at most 32) of <paramref name="value"/>, right-aligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put(uint value, int length)
    {
        _bits = (_bits << length) | (value & ((1UL << length) - 1));
        _count += length;
        if (_count >= 32)
        {
            Flush();
        }
    }

    /// <summary>Room for <paramref name="bytes"/> more, and the state for <see cref="Emit"/> in the caller's locals until <see cref="End"/>.</summary>
    public (byte[] Buffer, int Length, ulong Bits, int Count) Begin(int bytes)
    {
        Reserve(bytes);
        return (_buffer, _length, _bits, _count);
    }

    public void End(int length, ulong bits, int count) => (_length, _bits, _count) = (length, bits, count);

    /// <summary><see cref="Put"/> on a caller's locals (registers in a block's loop): room reserved by <see cref="Begin"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Emit(byte[] buffer, ref int length, ref ulong bits, ref int count, uint value, int size)
    {
        bits = (bits << size) | value;
        count += size;
        if (count >= 32)
        {
            Drain(buffer, ref length, bits, ref count);
        }
    }

    /// <summary>Pads the last byte with one bits, writes every bit, then the marker (RSTn, or nothing for 0).</summary>
    public void PadAndMark(byte marker)
    {
        if (_count % 8 != 0)
        {
            Put(uint.MaxValue, 8 - (_count % 8));
        }

        Flush();
        if (marker != 0)
        {
            WriteBytes([0xFF, marker]);
        }
    }

    private void Flush()
    {
        Reserve(16);
        Drain(_buffer, ref _length, _bits, ref _count);
    }

    /// <summary>Writes every whole byte of the pending bits, a 0x00 after each 0xFF (T.81 F.1.2.3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Drain(byte[] buffer, ref int length, ulong bits, ref int count)
    {
        while (count >= 8)
        {
            var next = (byte)(bits >> (count - 8));
            buffer[length++] = next;
            if (next == 0xFF)
            {
                buffer[length++] = 0x00;
            }

            count -= 8;
        }
    }

    private void Reserve(int bytes)
    {
        if (_length + bytes > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + bytes));
        }
    }
}
