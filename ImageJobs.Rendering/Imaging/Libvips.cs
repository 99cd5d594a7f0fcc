using NetVips;

namespace ImageJobs.Rendering.Imaging;

/// <summary>
/// libvips' process-wide settings, which libvips itself keeps globally (there is no per-call
/// alternative): no operation cache (it would keep images and their buffers alive between jobs),
/// a bounded number of worker threads per pipeline, and every loader blocked but the four we
/// read, so untrusted bytes never reach libvips' other parsers (SVG, TIFF, HEIF, ...). Setting
/// them again is harmless; the last thread count set wins for the whole process.
/// </summary>
public static class Libvips
{
    /// <summary>The loaders that stay callable (libvips' class names; GIF is libnsgif).</summary>
    private static readonly string[] AllowedLoaders = ["VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp", "VipsForeignLoadNsgif"];

    /// <param name="threads">libvips worker threads per pipeline: 1 when each worker renders one job at a time.</param>
    public static void Configure(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Cache.Max = 0;
        Cache.MaxMem = 0;
        Cache.MaxFiles = 0;
        NetVips.NetVips.Concurrency = threads;
        Operation.Block("VipsForeignLoad", true);
        _ = VipsNative.Functions; // the caption blend's layout check: fail at start, not on a job
        foreach (var loader in AllowedLoaders)
        {
            Operation.Block(loader, false);
        }
    }
}
