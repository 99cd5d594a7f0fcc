using SkiaSharp;

namespace ImageJobs.Rendering.Templates;

/// <summary>A region of the image drawn and blended on its own, and the layers in it, in drawing order.</summary>
public sealed record LayerRegion(SKRectI Bounds, IReadOnlyList<int> Layers);

/// <summary>
/// Groups layers whose extents overlap into disjoint regions, so a logo in one corner and a band
/// across the bottom cost two small regions, not the rectangle spanning both: every pixel of a
/// region is drawn, made straight and blended.
/// </summary>
public static class LayerRegions
{
    public static IReadOnlyList<LayerRegion> Group(IReadOnlyList<SKRect> extents, SKRectI image)
    {
        var regions = new List<(SKRectI Bounds, List<int> Layers)>();
        for (var i = 0; i < extents.Count; i++)
        {
            var bounds = SKRectI.Intersect(SKRectI.Ceiling(extents[i], outwards: true), image);
            if (bounds.IsEmpty)
            {
                continue;
            }

            var layers = new List<int> { i };
            // Merging grows the region, which may then reach others: repeat until none overlaps.
            for (var merged = true; merged;)
            {
                merged = false;
                for (var k = regions.Count - 1; k >= 0; k--)
                {
                    if (regions[k].Bounds.IntersectsWith(bounds))
                    {
                        bounds = SKRectI.Union(bounds, regions[k].Bounds);
                        layers.AddRange(regions[k].Layers);
                        regions.RemoveAt(k);
                        merged = true;
                    }
                }
            }

            layers.Sort();
            regions.Add((bounds, layers));
        }

        return [.. regions.Select(r => new LayerRegion(r.Bounds, r.Layers))];
    }
}
