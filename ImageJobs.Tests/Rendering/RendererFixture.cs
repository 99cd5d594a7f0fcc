using ImageJobs.Worker.Rendering;
using ImageJobs.Worker.Rendering.Text;

namespace ImageJobs.Tests.Rendering;

/// <summary>One font library and renderer for a test class (loading fonts is the slow part).</summary>
public sealed class RendererFixture : IDisposable
{
    public RendererFixture()
    {
        Fonts = new FontLibrary();
        Renderer = new ImageRenderer(Fonts, Limits);
    }

    public RenderLimits Limits { get; } = new();

    public FontLibrary Fonts { get; }

    public ImageRenderer Renderer { get; }

    /// <summary>A renderer with other limits, sharing the fonts.</summary>
    public ImageRenderer WithLimits(RenderLimits limits) => new(Fonts, limits);

    /// <summary>A composer with its own shaper; dispose the shaper.</summary>
    public (CaptionComposer Composer, TextShaper Shaper) NewComposer()
    {
        var shaper = new TextShaper();
        return (new CaptionComposer(Fonts, shaper), shaper);
    }

    public void Dispose()
    {
        Renderer.Dispose();
        Fonts.Dispose();
    }
}
