using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NetVips;

namespace ImageJobs.Rendering.Imaging;

/// <summary>A rectangle as libvips lays it out (VipsRect).</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct VipsRect(int Left, int Top, int Width, int Height)
{
    public bool IsEmpty => Width <= 0 || Height <= 0;

    public int Right => Left + Width;

    public int Bottom => Top + Height;

    public VipsRect Intersect(VipsRect other)
    {
        var (left, top) = (Math.Max(Left, other.Left), Math.Max(Top, other.Top));
        return new VipsRect(left, top, Math.Min(Right, other.Right) - left, Math.Min(Bottom, other.Bottom) - top);
    }
}

/// <summary>
/// The few libvips functions NetVips does not wrap, for an image whose pixels C# computes inside
/// libvips' own streaming pipeline (<see cref="CaptionOverlay"/>): a partial image, its pipeline
/// and generate callbacks, regions. They are bound from the very library NetVips loaded (the
/// bundled libvips of NetVips.Native). A region's pixel address is a C macro over the fields of
/// struct VipsRegion, so those fields are read at fixed offsets; <see cref="Bind"/> verifies them
/// on a known image before anything uses them and refuses to run on a libvips laid out otherwise
/// (a wrong offset would write a wrong image, not fail). The only static state is the one
/// <see cref="Lazy{T}"/>: written once, under its lock, read-only after.
/// </summary>
internal static unsafe class VipsNative
{
    // struct VipsRegion on 64-bit Linux (libvips 8.x, region.h): GObject (24 bytes) and VipsObject's
    // own fields (56) come first, then im, valid, type, data, bpl.
    public const int RegionImageOffset = 80;
    public const int RegionValidOffset = 88;
    public const int RegionDataOffset = 112;
    public const int RegionBytesPerLineOffset = 120;

    /// <summary>VIPS_DEMAND_STYLE_THINSTRIP: any strip of whole lines (what point operations ask for).</summary>
    public const int ThinStrip = 2;

    private static readonly Lazy<VipsFunctions> Bound = new(Bind, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The bound functions; the first call checks the region layout and throws if it differs.</summary>
    public static VipsFunctions Functions => Bound.Value;

    public static VipsRect Valid(nint region) => *(VipsRect*)(region + RegionValidOffset);

    public static byte* Data(nint region) => *(byte**)(region + RegionDataOffset);

    public static int BytesPerLine(nint region) => *(int*)(region + RegionBytesPerLineOffset);

    /// <summary>Wraps a VipsImage pointer (one reference, now owned by the result) as a NetVips image.</summary>
    // NetVips makes images from pointers only internally (its constructor is not public).
    [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
    public static extern Image Wrap(nint pointer);

    private static VipsFunctions Bind()
    {
        // NetVips' own names for the library (its import resolver serves only its own assembly).
        var name = OperatingSystem.IsWindows() ? "libvips-42.dll" : OperatingSystem.IsMacOS() ? "libvips.42.dylib" : "libvips.so.42";
        var library = NativeLibrary.Load(name, typeof(Image).Assembly, null);
        var functions = new VipsFunctions(name => NativeLibrary.GetExport(library, name));
        CheckRegionLayout(functions);
        return functions;
    }

    /// <summary>Prepares a region on a memory image whose address, size and line length are known, and compares every field read.</summary>
    private static void CheckRegionLayout(VipsFunctions vips)
    {
        const int width = 37, height = 23, bands = 3;
        var wanted = new VipsRect(5, 7, 11, 3);
        var pixels = (byte*)NativeMemory.AllocZeroed(width * height * bands);
        try
        {
            using var image = Image.NewFromMemory((nint)pixels, width * height * bands, width, height, bands, Enums.BandFormat.Uchar);
            var region = vips.RegionNew(image.DangerousGetHandle());
            if (region == 0)
            {
                throw new VipsException("libvips could not make a region");
            }

            try
            {
                if (vips.RegionPrepare(region, &wanted) != 0)
                {
                    throw new VipsException("libvips could not prepare a region");
                }

                var seen = (Image: *(nint*)(region + RegionImageOffset), Valid: Valid(region), Data: (nint)Data(region), Line: BytesPerLine(region),
                    Width: vips.RegionWidth(region), Height: vips.RegionHeight(region));
                var expected = (Image: image.DangerousGetHandle(), Valid: wanted, Data: (nint)(pixels + (wanted.Top * width * bands) + (wanted.Left * bands)),
                    Line: width * bands, Width: wanted.Width, Height: wanted.Height);
                if (sizeof(nint) != 8 || seen != expected)
                {
                    throw new InvalidOperationException(
                        $"libvips {NetVips.NetVips.Version(0)}.{NetVips.NetVips.Version(1)}.{NetVips.NetVips.Version(2)} lays out struct VipsRegion " +
                        $"otherwise than this renderer reads it (read {seen}, expected {expected}); it cannot blend captions safely.");
                }
            }
            finally
            {
                vips.ObjectUnref(region);
            }
        }
        finally
        {
            NativeMemory.Free(pixels);
        }
    }
}

/// <summary>libvips (and the GObject functions it carries) as unmanaged function pointers; see <see cref="VipsNative"/>.</summary>
internal sealed unsafe class VipsFunctions(Func<string, nint> export)
{
    public readonly delegate* unmanaged<nint> ImageNew = (delegate* unmanaged<nint>)export("vips_image_new");
    public readonly delegate* unmanaged<nint, int, nint*, int> PipelineArray = (delegate* unmanaged<nint, int, nint*, int>)export("vips_image_pipeline_array");
    public readonly delegate* unmanaged<nint, nint, nint, nint, nint, nint, int> Generate =
        (delegate* unmanaged<nint, nint, nint, nint, nint, nint, int>)export("vips_image_generate");
    public readonly nint StartOne = export("vips_start_one");
    public readonly nint StopOne = export("vips_stop_one");
    public readonly nint UnrefOnClose = export("vips_object_local_cb");
    public readonly delegate* unmanaged<nint, nuint, void*> Malloc = (delegate* unmanaged<nint, nuint, void*>)export("vips_malloc");
    public readonly delegate* unmanaged<nint, nint> ObjectRef = (delegate* unmanaged<nint, nint>)export("g_object_ref");
    public readonly delegate* unmanaged<nint, void> ObjectUnref = (delegate* unmanaged<nint, void>)export("g_object_unref");
    public readonly delegate* unmanaged<nint, byte*, nint, nint, nint, int, nuint> SignalConnect =
        (delegate* unmanaged<nint, byte*, nint, nint, nint, int, nuint>)export("g_signal_connect_data");
    public readonly delegate* unmanaged<nint, nint> RegionNew = (delegate* unmanaged<nint, nint>)export("vips_region_new");
    public readonly delegate* unmanaged<nint, VipsRect*, int> RegionPrepare = (delegate* unmanaged<nint, VipsRect*, int>)export("vips_region_prepare");
    public readonly delegate* unmanaged<nint, nint, VipsRect*, int, int, int> RegionPrepareTo =
        (delegate* unmanaged<nint, nint, VipsRect*, int, int, int>)export("vips_region_prepare_to");
    public readonly delegate* unmanaged<nint, nint, VipsRect*, int, int, int> RegionRegion =
        (delegate* unmanaged<nint, nint, VipsRect*, int, int, int>)export("vips_region_region");
    public readonly delegate* unmanaged<nint, int> RegionWidth = (delegate* unmanaged<nint, int>)export("vips_region_width");
    public readonly delegate* unmanaged<nint, int> RegionHeight = (delegate* unmanaged<nint, int>)export("vips_region_height");
}
