using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Sources;

/// <summary>
/// The temporary disk every upload in progress may use together (a zip is spooled to a file to be
/// read): a Container App replica has 2 GiB of ephemeral disk, and concurrent uploads must not
/// fill it. An upload reserves what it may spool before it reads its body, or is refused.
/// </summary>
public sealed class SpoolBudget(IOptions<UploadLimits> limits)
{
    private readonly Lock _lock = new();
    private long _reserved;

    /// <summary>Reserves <paramref name="bytes"/>, or returns null when that would pass <see cref="UploadLimits.MaxSpoolBytes"/>.</summary>
    public Reservation? TryReserve(long bytes)
    {
        lock (_lock)
        {
            if (_reserved + bytes > limits.Value.MaxSpoolBytes)
            {
                return null;
            }

            _reserved += bytes;
            return new Reservation(this, bytes);
        }
    }

    private void Release(long bytes)
    {
        lock (_lock)
        {
            _reserved -= bytes;
        }
    }

    /// <summary>Bytes of temporary disk held until disposed.</summary>
    public sealed class Reservation(SpoolBudget budget, long bytes) : IDisposable
    {
        private int _released;

        public long Bytes => bytes;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                budget.Release(bytes);
            }
        }
    }
}
