using System.Buffers;
using ImageJobs.Rendering.Imaging;
using ImageJobs.Rendering.Imaging.Jpeg;
using ImageJobs.Rendering.Templates;
using NetVips;
using SkiaSharp;

namespace ImageJobs.Rendering;

public sealed partial class ImageRenderer
{
    /// <summary>
    /// A template's layers laid out on one image, grouped in disjoint regions (<see cref="LayerRegions"/>),
    /// ready to be drawn by either path. Disposing it frees the layers and the drawn pixels, and makes this
    /// thread's shapers forget the render's uploaded faces (the caller disposes those).
    /// </summary>
    private sealed class LayerSet : IDisposable
    {
        private readonly TemplateComposer _workspace;
        private readonly List<PreparedLayer> _layers;
        private readonly IReadOnlyList<LayerRegion> _regions;
        private readonly UploadedFonts? _fonts;
        private readonly List<byte[]> _rented = [];

        private LayerSet(TemplateComposer workspace, List<PreparedLayer> layers, IReadOnlyList<LayerRegion> regions, UploadedFonts? fonts) =>
            (_workspace, _layers, _regions, _fonts) = (workspace, layers, regions, fonts);

        public static LayerSet Prepare(TemplateComposer workspace, Template template, int width, int height,
            IReadOnlyDictionary<string, ReadOnlyMemory<byte>> images, UploadedFonts? fonts)
        {
            List<PreparedLayer> layers = [];
            try
            {
                layers = workspace.Prepare(template, width, height, images, fonts);
                var regions = LayerRegions.Group([.. layers.Select(l => l.Extent)], SKRectI.Create(width, height));
                return new LayerSet(workspace, layers, regions, fonts);
            }
            catch
            {
                layers.ForEach(l => l.Dispose());
                Forget(workspace, fonts);
                throw;
            }
        }

        /// <summary>The full path: <paramref name="image"/> with every region blended on, still lazy; null when nothing is drawn.</summary>
        public Image? Blend(Image image)
        {
            if (_regions.Count == 0)
            {
                return null;
            }

            var drawn = CaptionOverlay.Drawable(image);
            foreach (var region in _regions)
            {
                using var before = drawn;
                drawn = CaptionOverlay.Blend(drawn, region.Bounds, canvas => _workspace.Draw(canvas, region.Layers.Select(i => _layers[i])));
            }

            return drawn;
        }

        /// <summary>The Blocks path: each region drawn into premultiplied pixels of its own (freed with this set).</summary>
        public unsafe List<DrawnRegion> Draw()
        {
            var drawn = new List<DrawnRegion>(_regions.Count);
            foreach (var region in _regions)
            {
                var (width, height) = (region.Bounds.Width, region.Bounds.Height);
                var pixels = ArrayPool<byte>.Shared.Rent(width * height * 4);
                _rented.Add(pixels);
                Array.Clear(pixels, 0, width * height * 4);
                fixed (byte* start = pixels)
                {
                    using var bitmap = new SKBitmap();
                    var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
                    if (!bitmap.InstallPixels(info, (nint)start, width * 4))
                    {
                        throw new InvalidOperationException($"Skia could not draw into a {width}x{height} region.");
                    }

                    using var canvas = new SKCanvas(bitmap);
                    canvas.Translate(-region.Bounds.Left, -region.Bounds.Top);
                    _workspace.Draw(canvas, region.Layers.Select(i => _layers[i]));
                }

                drawn.Add(new DrawnRegion(region.Bounds, pixels));
            }

            return drawn;
        }

        public void Dispose()
        {
            _layers.ForEach(l => l.Dispose());
            _rented.ForEach(p => ArrayPool<byte>.Shared.Return(p));
            Forget(_workspace, _fonts);
        }

        /// <summary>Uploaded faces live for one render (the caller disposes them): this thread's shapers must not keep them.</summary>
        private static void Forget(TemplateComposer workspace, UploadedFonts? fonts)
        {
            if (fonts is not null)
            {
                workspace.Shaper.Forget(fonts.Faces);
            }
        }
    }
}
