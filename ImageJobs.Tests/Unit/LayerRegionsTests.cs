using ImageJobs.Rendering.Templates;
using SkiaSharp;

namespace ImageJobs.Tests.Unit;

[Trait("Category", "Unit")]
public class LayerRegionsTests
{
    private static readonly SKRectI Image = SKRectI.Create(1000, 500);

    [Fact]
    public void Apart_layers_get_regions_of_their_own_and_overlapping_ones_share_one_in_order()
    {
        var regions = LayerRegions.Group(
            [SKRect.Create(0, 350, 1000, 150), SKRect.Create(10, 10, 100, 100), SKRect.Create(20, 360, 300, 50.5f), SKRect.Create(800, 300, 150, 120)],
            Image);

        Assert.Equal(2, regions.Count);
        Assert.Equal([1], regions.Single(r => r.Bounds == SKRectI.Create(10, 10, 100, 100)).Layers);
        var band = regions.Single(r => r.Layers.Contains(0));
        Assert.Equal([0, 2, 3], band.Layers);
        Assert.Equal(SKRectI.Create(0, 300, 1000, 200), band.Bounds);
    }

    [Fact]
    public void A_merged_region_that_grows_into_another_takes_it_in()
    {
        // 0 and 1 are apart; 2 bridges them.
        var regions = LayerRegions.Group([SKRect.Create(0, 0, 10, 10), SKRect.Create(50, 0, 10, 10), SKRect.Create(5, 5, 50, 2)], Image);

        Assert.Equal([0, 1, 2], Assert.Single(regions).Layers);
    }

    [Fact]
    public void Extents_are_clipped_to_the_image_and_empty_ones_dropped()
    {
        var regions = LayerRegions.Group([SKRect.Create(-50, -50, 100, 100), SKRect.Create(2000, 0, 10, 10), SKRect.Empty], Image);

        Assert.Equal(SKRectI.Create(0, 0, 50, 50), Assert.Single(regions).Bounds);
    }
}
