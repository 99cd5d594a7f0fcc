using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NetVips;
using SkiaSharp;

namespace ImageJobs.Rendering.Imaging;

/// <summary>
/// Puts a caption drawn by Skia (only the region it covers) onto a lazy libvips image, staying in
/// one sequential pipeline: a libvips image of our own whose generate callback is C#. Lines
/// outside the caption's region are handed through from the source without a copy; lines across
/// it are copied from the source once and the caption blended on them in place. libvips calls the
/// callback from its worker threads; all it reads is fixed before the pipeline runs.
/// (libvips' own ifthenelse, band extraction and insert cost more than the drawing: docs/PERFORMANCE.md.)
/// </summary>
public static unsafe class CaptionOverlay
{
    /// <summary>The image in a colour space a caption can be blended into: sRGB (8-bit) or RGB16, alpha kept.</summary>
    public static Image Drawable(Image image) => image.Interpretation switch
    {
        Enums.Interpretation.Srgb or Enums.Interpretation.Rgb16 when image.Bands is 3 or 4 => image.Copy(),
        Enums.Interpretation.Grey16 or Enums.Interpretation.Rgb16 => image.Colourspace(Enums.Interpretation.Rgb16),
        _ => image.Colourspace(Enums.Interpretation.Srgb),
    };

    /// <summary>
    /// <paramref name="image"/> (from <see cref="Drawable"/>) with what <paramref name="draw"/> paints over the region
    /// <paramref name="extent"/> on top, still lazy. The canvas is in the image's coordinates and clipped to the region.
    /// </summary>
    public static Image Blend(Image image, SKRectI extent, Action<SKCanvas> draw)
    {
        var deep = image.Format switch
        {
            Enums.BandFormat.Uchar => false,
            Enums.BandFormat.Ushort => true,
            var other => throw new ArgumentException($"A caption is blended into 8- or 16-bit images, not {other}.", nameof(image)),
        };
        if (image.Bands is not (3 or 4))
        {
            throw new ArgumentException($"A caption is blended into RGB or RGBA images, not {image.Bands} bands.", nameof(image));
        }

        if (extent.Width <= 0 || extent.Height <= 0 || extent.Left < 0 || extent.Top < 0 || extent.Right > image.Width || extent.Bottom > image.Height)
        {
            throw new ArgumentOutOfRangeException(nameof(extent), extent, $"The region must lie inside the {image.Width}x{image.Height} image.");
        }

        var vips = VipsNative.Functions;
        var input = image.DangerousGetHandle();
        var output = VipsNative.Wrap(vips.ImageNew());
        try
        {
            var handle = output.DangerousGetHandle();
            var inputs = stackalloc nint[] { input, 0 };
            if (vips.PipelineArray(handle, VipsNative.ThinStrip, inputs) != 0)
            {
                throw new VipsException("libvips could not start the caption's pipeline");
            }

            // The output keeps its input alive (libvips' operations do it through their arguments).
            vips.ObjectRef(input);
            fixed (byte* close = "close\0"u8)
            {
                vips.SignalConnect(handle, close, vips.UnrefOnClose, input, 0, 0);
            }

            // Memory local to the output is freed with it; vips_malloc zeroes it (a transparent caption).
            var stride = extent.Width * 4;
            var state = (BlendState*)vips.Malloc(handle, (nuint)sizeof(BlendState));
            *state = new BlendState
            {
                Bounds = new VipsRect(extent.Left, extent.Top, extent.Width, extent.Height),
                Stride = stride,
                Bands = image.Bands,
                Deep = deep,
                Pixels = (byte*)vips.Malloc(handle, (nuint)((long)stride * extent.Height)),
                Prepare = vips.RegionPrepare,
                PrepareTo = vips.RegionPrepareTo,
                Attach = vips.RegionRegion,
            };
            using (var bitmap = new SKBitmap())
            {
                var info = new SKImageInfo(extent.Width, extent.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
                if (!bitmap.InstallPixels(info, (nint)state->Pixels, stride))
                {
                    throw new InvalidOperationException($"Skia could not draw into a {extent.Width}x{extent.Height} region.");
                }

                using var canvas = new SKCanvas(bitmap);
                canvas.Translate(-extent.Left, -extent.Top);
                draw(canvas);
            }

            if (vips.Generate(handle, vips.StartOne, (nint)(delegate* unmanaged[Cdecl]<nint, nint, nint, nint, int*, int>)&Generate, vips.StopOne, input, (nint)state) != 0)
            {
                throw new VipsException("libvips could not attach the caption's blend");
            }

            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>libvips' VipsGenerateFn: fill <paramref name="region"/> (its valid rectangle) from <paramref name="sequence"/>, a region on the input.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Generate(nint region, nint sequence, nint input, nint state, int* stop)
    {
        var blend = (BlendState*)state;
        var wanted = VipsNative.Valid(region);
        var overlap = wanted.Intersect(blend->Bounds);
        if (overlap.IsEmpty)
        {
            return blend->Prepare(sequence, &wanted) != 0 ? -1 : blend->Attach(region, sequence, &wanted, wanted.Left, wanted.Top);
        }

        if (blend->PrepareTo(sequence, region, &wanted, wanted.Left, wanted.Top) != 0)
        {
            return -1;
        }

        var data = VipsNative.Data(region);
        var line = VipsNative.BytesPerLine(region);
        var pel = blend->Bands * (blend->Deep ? 2 : 1);
        for (var y = overlap.Top; y < overlap.Bottom; y++)
        {
            var target = data + ((long)(y - wanted.Top) * line) + ((overlap.Left - wanted.Left) * pel);
            var caption = blend->Pixels + ((long)(y - blend->Bounds.Top) * blend->Stride) + ((overlap.Left - blend->Bounds.Left) * 4);
            switch (blend->Bands, blend->Deep)
            {
                case (3, false): PixelBlend.Mix(target, caption, overlap.Width); break;
                case (4, false): PixelBlend.Over(target, caption, overlap.Width); break;
                case (3, true): PixelBlend.Mix((ushort*)target, caption, overlap.Width); break;
                default: PixelBlend.Over((ushort*)target, caption, overlap.Width); break;
            }
        }

        return 0;
    }

    /// <summary>What the callback reads: the caption's region in the image, its premultiplied RGBA pixels, the image's layout.</summary>
    private struct BlendState
    {
        public VipsRect Bounds;
        public int Stride;
        public int Bands;
        public bool Deep;
        public byte* Pixels;
        public delegate* unmanaged<nint, VipsRect*, int> Prepare;
        public delegate* unmanaged<nint, nint, VipsRect*, int, int, int> PrepareTo;
        public delegate* unmanaged<nint, nint, VipsRect*, int, int, int> Attach;
    }
}
