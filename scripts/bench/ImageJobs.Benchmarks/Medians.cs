using System.Numerics;

namespace ImageJobs.Benchmarks;

/// <summary>The benchmarks' one median: the upper middle of the sorted values.</summary>
public static class Medians
{
    /// <summary>The median of <paramref name="values"/>, or null when there are none.</summary>
    public static T? Of<T>(IEnumerable<T> values)
        where T : struct, INumber<T>
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? null : sorted[sorted.Count / 2];
    }
}
