using System.Runtime.InteropServices;
using Icu;

namespace ImageJobs.Rendering.Layout;

/// <summary>
/// The system ICU (libicuuc, the one .NET's globalization loads on Linux) through icu.net,
/// initialised once per process before first use, plus the few ICU functions bound here
/// directly from the same library: ubidi_reorderVisual, which icu.net does not wrap, and the
/// ubrk_* iteration, because icu.net's iterator reads every boundary's rule-status vector as it
/// sets the text (two marshalled calls and a new array per boundary: 190 us for a 100-character
/// caption, three times today's whole layout; the plain iteration takes a few). The only static
/// state is the one <see cref="Lazy{T}"/> below: written once, under its lock, read-only after.
/// </summary>
internal static unsafe class IcuRuntime
{
    /// <summary>UBRK_DONE: no more boundaries.</summary>
    public const int Done = -1;

    private static readonly Lazy<Library> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>ICU's version, for instance "72.1".</summary>
    public static string Version => Loaded.Value.Version;

    /// <summary>Loads and initialises ICU (u_init): safe to call from any thread, any number of times.</summary>
    public static void EnsureInitialized() => _ = Loaded.Value;

    /// <summary>ubidi_reorderVisual (rule L2 over levels): writes the logical index of each visual position.</summary>
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

        fixed (byte* levelPointer = levels)
        fixed (int* mapPointer = visualToLogical)
        {
            ((delegate* unmanaged<byte*, int, int*, void>)Loaded.Value.ReorderVisual)(levelPointer, levels.Length, mapPointer);
        }
    }

    /// <summary>ubrk_open for the root locale (the default rules), without text yet.</summary>
    public static BreakIteratorHandle OpenBreakIterator(BreakIterator.UBreakIteratorType type)
    {
        ReadOnlySpan<byte> root = "root\0"u8;
        var error = 0;
        nint iterator;
        fixed (byte* locale = root)
        {
            iterator = ((delegate* unmanaged<int, byte*, char*, int, int*, nint>)Loaded.Value.Open)((int)type, locale, null, 0, &error);
        }

        if (error > 0 || iterator == 0)
        {
            throw new InvalidOperationException($"ICU could not open a {type} break iterator: error {error}.");
        }

        return new BreakIteratorHandle(iterator);
    }

    /// <summary>ubrk_setText: <paramref name="text"/> must stay pinned while the iterator reads it.</summary>
    public static void SetText(BreakIteratorHandle iterator, char* text, int length)
    {
        var error = 0;
        ((delegate* unmanaged<nint, char*, int, int*, void>)Loaded.Value.SetText)(iterator.DangerousGetHandle(), text, length, &error);
        if (error > 0)
        {
            throw new InvalidOperationException($"ICU could not set a break iterator's text: error {error}.");
        }
    }

    /// <summary>ubrk_next: the next boundary, or <see cref="Done"/>.</summary>
    public static int Next(BreakIteratorHandle iterator) =>
        ((delegate* unmanaged<nint, int>)Loaded.Value.Next)(iterator.DangerousGetHandle());

    internal static void Close(nint iterator) => ((delegate* unmanaged<nint, void>)Loaded.Value.Close)(iterator);

    private sealed record Library(string Version, nint ReorderVisual, nint Open, nint SetText, nint Next, nint Close);

    private static Library Load()
    {
        var error = Wrapper.Init();
        if (error > ErrorCode.ZERO_ERROR) // warnings are negative
        {
            throw new InvalidOperationException($"ICU did not initialise: {error}.");
        }

        var version = Wrapper.IcuVersion;
        var major = version.Split('.')[0];
        // icu.net found libicuuc.so.<major>; its symbols carry the same suffix unless ICU was built without renaming.
        var library = NativeLibrary.Load(OperatingSystem.IsWindows() ? $"icuuc{major}.dll" : $"libicuuc.so.{major}");
        nint Export(string name) => NativeLibrary.TryGetExport(library, name + "_" + major, out var suffixed)
            ? suffixed
            : NativeLibrary.GetExport(library, name);
        return new Library(version, Export("ubidi_reorderVisual"), Export("ubrk_open"), Export("ubrk_setText"), Export("ubrk_next"), Export("ubrk_close"));
    }
}

/// <summary>An open ICU break iterator (UBreakIterator*), closed with ubrk_close.</summary>
internal sealed class BreakIteratorHandle : SafeHandle
{
    public BreakIteratorHandle(nint iterator)
        : base(0, ownsHandle: true) => SetHandle(iterator);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        IcuRuntime.Close(handle);
        return true;
    }
}
