using System.Runtime.InteropServices;

namespace ImageJobs.Tests.Support;

/// <summary>
/// Debian's libturbojpeg 2.1.5 (the system library), for a second opinion on coefficients:
/// <c>tjTransform</c> with a <c>customFilter</c> hands every component's quantised DCT
/// coefficients (natural order, block row by block row) to a callback. Also the whole-image
/// lossless transform the benchmark measures the scan rewriter against.
/// </summary>
public static unsafe partial class TurboJpeg
{
    private const string Library = "libturbojpeg.so.0";
    private const int NoOutput = 16; // TJXOPT_NOOUTPUT

    /// <summary>One component's coefficients: <c>HeightInBlocks</c> block rows of <c>WidthInBlocks</c> blocks, 64 each.</summary>
    public sealed record Plane(int WidthInBlocks, int HeightInBlocks, short[] Coefficients)
    {
        public ReadOnlySpan<short> BlockRow(int row) => Coefficients.AsSpan(row * WidthInBlocks * 64, WidthInBlocks * 64);
    }

    /// <summary>Every component's coefficients, as libjpeg decodes them (its errors, and warnings such as corrupt data, throw).</summary>
    public static Plane[] ReadCoefficients(byte[] jpeg)
    {
        var rows = new List<List<short[]>>();
        var widths = new List<int>();
        var state = GCHandle.Alloc((rows, widths));
        try
        {
            Run(jpeg, NoOutput, &Collect, GCHandle.ToIntPtr(state), out _);
        }
        finally
        {
            state.Free();
        }

        return [.. rows.Select((r, c) => new Plane(widths[c], r.Count, [.. r.SelectMany(row => row)]))];
    }

    /// <summary>The lossless transform of the whole image (entropy decode and encode), with a filter that visits every block row and changes nothing.</summary>
    public static byte[] Transform(byte[] jpeg)
    {
        Run(jpeg, 0, &Visit, 0, out var output);
        return output;
    }

    private static void Run(byte[] jpeg, int options, delegate* unmanaged<short*, Region, Region, int, int, TransformSpec*, int> filter, nint data, out byte[] output)
    {
        var handle = InitTransform();
        if (handle == 0)
        {
            throw new InvalidOperationException("tjInitTransform failed.");
        }

        try
        {
            var transform = new TransformSpec { Options = options, Data = data, CustomFilter = filter };
            byte* destination = null;
            nuint size = 0;
            fixed (byte* source = jpeg)
            {
                // TJFLAG_STOPONWARNING (8192): a warning (corrupt data) is an error here.
                if (TransformImage(handle, source, (nuint)jpeg.Length, 1, &destination, &size, &transform, 8192) != 0)
                {
                    throw new InvalidOperationException("tjTransform: " + Marshal.PtrToStringUTF8(ErrorString(handle)));
                }
            }

            output = destination is null ? [] : new ReadOnlySpan<byte>(destination, (int)size).ToArray();
            Free(destination);
        }
        finally
        {
            _ = Destroy(handle);
        }
    }

    [UnmanagedCallersOnly]
    private static int Collect(short* coefficients, Region array, Region plane, int component, int transformIndex, TransformSpec* transform)
    {
        var (rows, widths) = ((List<List<short[]>>, List<int>))GCHandle.FromIntPtr(transform->Data).Target!;
        while (rows.Count <= component)
        {
            rows.Add([]);
            widths.Add(0);
        }

        widths[component] = array.Width / 8;
        for (var y = 0; y < array.Height / 8; y++)
        {
            rows[component].Add(new ReadOnlySpan<short>(coefficients + (y * array.Width * 8), array.Width * 8).ToArray());
        }

        return 0;
    }

    [UnmanagedCallersOnly]
    private static int Visit(short* coefficients, Region array, Region plane, int component, int transformIndex, TransformSpec* transform) => 0;

    [StructLayout(LayoutKind.Sequential)]
    private struct Region
    {
        public int X;
        public int Y;
        public int Width;
        public int Height;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TransformSpec
    {
        public Region Crop;
        public int Operation;
        public int Options;
        public nint Data;
        public delegate* unmanaged<short*, Region, Region, int, int, TransformSpec*, int> CustomFilter;
    }

    [LibraryImport(Library, EntryPoint = "tjInitTransform")]
    private static partial nint InitTransform();

    [LibraryImport(Library, EntryPoint = "tjTransform")]
    private static partial int TransformImage(nint handle, byte* source, nuint size, int count, byte** destinations, nuint* sizes, TransformSpec* transforms, int flags);

    [LibraryImport(Library, EntryPoint = "tjGetErrorStr2")]
    private static partial nint ErrorString(nint handle);

    [LibraryImport(Library, EntryPoint = "tjFree")]
    private static partial void Free(byte* buffer);

    [LibraryImport(Library, EntryPoint = "tjDestroy")]
    private static partial int Destroy(nint handle);
}
