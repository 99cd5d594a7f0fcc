using System.Runtime.InteropServices;
using Icu;

namespace ImageJobs.Rendering.Layout;

/// <summary>
/// The system ICU (libicuuc, the one .NET's globalization loads on Linux) through icu.net,
/// initialised once per process before first use. The only static state is this one
/// <see cref="Lazy{T}"/>: it is written once, under its own lock, and read-only after.
/// </summary>
internal static unsafe class IcuRuntime
{
    private static readonly Lazy<Library> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>ICU's version, for instance "72.1".</summary>
    public static string Version => Loaded.Value.Version;

    /// <summary>Loads and initialises ICU (u_init): safe to call from any thread, any number of times.</summary>
    public static void EnsureInitialized() => _ = Loaded.Value;

    /// <summary>
    /// ICU's <c>ubidi_reorderVisual</c> (rule L2 over levels): icu.net does not wrap it, so it is
    /// bound here, from the same library icu.net loaded. Writes the logical index of each visual position.
    /// </summary>
    public static void ReorderVisual(ReadOnlySpan<byte> levels, Span<int> visualToLogical)
    {
        if (visualToLogical.Length < levels.Length)
        {
            throw new ArgumentException("The map is shorter than the levels.", nameof(visualToLogical));
        }

        if (levels.IsEmpty)
        {
            return;
        }

        var reorder = (delegate* unmanaged<byte*, int, int*, void>)Loaded.Value.ReorderVisual;
        fixed (byte* levelPointer = levels)
        fixed (int* mapPointer = visualToLogical)
        {
            reorder(levelPointer, levels.Length, mapPointer);
        }
    }

    private sealed record Library(string Version, nint ReorderVisual);

    private static Library Load()
    {
        var error = Wrapper.Init();
        if (error > ErrorCode.ZERO_ERROR) // warnings are negative
        {
            throw new InvalidOperationException($"ICU did not initialise: {error}.");
        }

        var version = Wrapper.IcuVersion;
        var major = version.Split('.')[0];
        // icu.net finds libicuuc.so.<major>; the symbols carry the same suffix unless ICU was built without renaming.
        var library = NativeLibrary.Load(OperatingSystem.IsWindows() ? $"icuuc{major}.dll" : $"libicuuc.so.{major}");
        var export = NativeLibrary.TryGetExport(library, "ubidi_reorderVisual_" + major, out var suffixed)
            ? suffixed
            : NativeLibrary.GetExport(library, "ubidi_reorderVisual");
        return new Library(version, export);
    }
}
