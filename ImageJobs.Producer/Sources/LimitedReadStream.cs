namespace ImageJobs.Producer.Sources;

/// <summary>Thrown when an upload turns out larger than its limit, whatever its headers said.</summary>
public sealed class UploadTooLargeException(long limit)
    : Exception($"larger than the limit of {limit:N0} bytes");

/// <summary>
/// A read-only stream that fails once more than <c>limit</c> bytes have been read through it:
/// declared sizes (Content-Length, a zip's directory) are claims, this is the check.
/// </summary>
public sealed class LimitedReadStream(Stream inner, long limit) : Stream
{
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int read)
    {
        BytesRead += read;
        return BytesRead > limit ? throw new UploadTooLargeException(limit) : read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
