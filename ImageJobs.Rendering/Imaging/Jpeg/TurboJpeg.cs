using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ImageJobs.Rendering.Imaging.Jpeg;

/// <summary>A region of a component plane in pixels (TurboJPEG's tjregion).</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct TjRegion(int X, int Y, int Width, int Height);

/// <summary>
/// libjpeg-turbo's lossless transform through TurboJPEG: the source's quantised coefficients are
/// read, handed to an edit block row by block row, and written again, nothing decoded to pixels.
/// TurboJPEG reports errors by return value (its own setjmp), so no libjpeg error can unwind
/// through managed frames. The library is the libturbojpeg.so.0 shipped beside the assembly (the
/// build copies Debian's), else the system's; without either, <see cref="Functions"/> is null and
/// renders take the full path. The only static state is the one <see cref="Lazy{T}"/>.
/// </summary>
internal static unsafe class TurboJpeg
{
    private const string Library = "libturbojpeg.so.0";

    /// <summary>Warnings (corrupt or truncated entropy data) are errors: a damaged file takes the full path, which refuses it by its code.</summary>
    private const int StopOnWarning = 8192;

    /// <summary>At most 500 progressive scans: a scan bomb is an error, not minutes of work.</summary>
    private const int LimitScans = 32768;

    /// <summary>TJXOPT_COPYNONE: no APPn or COM segment is copied.</summary>
    public const int CopyNone = 64;

    /// <summary>TJXOPT_PROGRESSIVE: the result is progressive (libjpeg then optimises its Huffman tables).</summary>
    public const int Progressive = 32;

    /// <summary>TJXOPT_NOOUTPUT: the coefficients are handed to the edit, no JPEG is written.</summary>
    public const int NoOutput = 16;

    private static readonly Lazy<TurboJpegFunctions?> Bound = new(Bind, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The bound functions, or null when no libturbojpeg could be loaded.</summary>
    public static TurboJpegFunctions? Functions => Bound.Value;

    /// <summary>
    /// The JPEG with <paramref name="edit"/> applied to its coefficients (natural order, one block row
    /// of one component per call), or null with the library's reason when it refused the data.
    /// </summary>
    public static byte[]? Transform(TurboJpegFunctions tj, ReadOnlySpan<byte> jpeg, int options, IBlockRowEdit edit, out string? failure)
    {
        var handle = tj.InitTransform();
        if (handle == 0)
        {
            failure = "TurboJPEG could not start a transform";
            return null;
        }

        var target = GCHandle.Alloc(edit);
        byte* result = null;
        nuint size = 0;
        try
        {
            var transform = new TjTransform
            {
                Options = options,
                Data = GCHandle.ToIntPtr(target),
                CustomFilter = &Filter,
            };
            int status;
            fixed (byte* source = jpeg)
            {
                status = tj.Transform(handle, source, (nuint)jpeg.Length, 1, &result, &size, &transform, StopOnWarning | LimitScans);
            }

            if (edit.Failure is { } refused)
            {
                failure = refused;
                return null;
            }

            if (status != 0)
            {
                failure = Marshal.PtrToStringUTF8(tj.GetErrorString(handle)) ?? "TurboJPEG failed";
                return null;
            }

            failure = null;
            return result is null ? [] : new ReadOnlySpan<byte>(result, checked((int)size)).ToArray();
        }
        finally
        {
            if (result is not null)
            {
                tj.Free(result);
            }

            target.Free();
            tj.Destroy(handle);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Filter(short* coefficients, TjRegion array, TjRegion plane, int component, int transform, TjTransform* state)
    {
        var edit = (IBlockRowEdit)GCHandle.FromIntPtr(state->Data).Target!;
        // TurboJPEG 2.1 hands over one whole block row at a time; any other split is refused, not guessed at.
        if (array.X != 0 || array.Height != 8 || array.Width != plane.Width)
        {
            edit.Failure ??= $"TurboJPEG split component {component} into a {array.Width}x{array.Height} array";
            return -1;
        }

        try
        {
            edit.Edit(component, array.Y / 8, new Span<short>(coefficients, array.Width / 8 * 64));
            return 0;
        }
        catch (Exception ex)
        {
            // Nothing may unwind into TurboJPEG: the transform fails and the render takes the full path.
            edit.Failure ??= ex.Message;
            return -1;
        }
    }

    private static TurboJpegFunctions? Bind()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, Library);
        if (!NativeLibrary.TryLoad(beside, out var library) && !NativeLibrary.TryLoad(Library, out library))
        {
            return null;
        }

        return new TurboJpegFunctions
        {
            InitTransform = (delegate* unmanaged<nint>)NativeLibrary.GetExport(library, "tjInitTransform"),
            Transform = (delegate* unmanaged<nint, byte*, nuint, int, byte**, nuint*, TjTransform*, int, int>)NativeLibrary.GetExport(library, "tjTransform"),
            Destroy = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "tjDestroy"),
            Free = (delegate* unmanaged<byte*, void>)NativeLibrary.GetExport(library, "tjFree"),
            GetErrorString = (delegate* unmanaged<nint, nint>)NativeLibrary.GetExport(library, "tjGetErrorStr2"),
            Path = File.Exists(beside) ? beside : Library,
        };
    }
}

/// <summary>The TurboJPEG functions the transform calls.</summary>
internal sealed unsafe class TurboJpegFunctions
{
    public required delegate* unmanaged<nint> InitTransform { get; init; }

    public required delegate* unmanaged<nint, byte*, nuint, int, byte**, nuint*, TjTransform*, int, int> Transform { get; init; }

    public required delegate* unmanaged<nint, int> Destroy { get; init; }

    public required delegate* unmanaged<byte*, void> Free { get; init; }

    public required delegate* unmanaged<nint, nint> GetErrorString { get; init; }

    /// <summary>Where the library was loaded from (the file beside the assembly, or the system's by name).</summary>
    public required string Path { get; init; }
}

/// <summary>TurboJPEG's tjtransform: crop region, operation, options, the callback's data and the callback.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct TjTransform
{
    public TjRegion Region;
    public int Operation;
    public int Options;
    public nint Data;
    public delegate* unmanaged[Cdecl]<short*, TjRegion, TjRegion, int, int, TjTransform*, int> CustomFilter;
}

/// <summary>What a lossless transform does to the coefficients: called for every block row of every component, in order.</summary>
internal interface IBlockRowEdit
{
    /// <summary>Why the edit stopped the transform, or null.</summary>
    string? Failure { get; set; }

    /// <param name="coefficients">The row's blocks, 64 quantised coefficients each in natural (row-major) order.</param>
    void Edit(int component, int blockRow, Span<short> coefficients);
}
