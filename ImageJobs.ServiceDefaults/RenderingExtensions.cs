using ImageJobs.Rendering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

// Here rather than in ImageJobs.Rendering, which stays free of hosting and configuration binding
// (ProjectLayoutTests): this is the hosting side both renderers' hosts already share.
public static class RenderingExtensions
{
    /// <summary>
    /// The renderer as the producer (previews, samples) and the workers run it: Rendering:Limits
    /// bound and validated at start, one font library and one (thread-safe) renderer per process.
    /// </summary>
    public static TBuilder AddRenderer<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<RenderLimits>().BindConfiguration(RenderLimits.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<FontLibrary>(_ => new FontLibrary());
        builder.Services.AddSingleton(sp => new ImageRenderer(sp.GetRequiredService<FontLibrary>(), sp.GetRequiredService<IOptions<RenderLimits>>().Value));
        return builder;
    }
}
