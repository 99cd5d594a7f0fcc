using ImageJobs.Rendering;

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

    public void Dispose()
    {
        Renderer.Dispose();
        Fonts.Dispose();
    }
}
