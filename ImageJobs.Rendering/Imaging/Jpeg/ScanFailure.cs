namespace ImageJobs.Rendering.Imaging.Jpeg;

/// <summary>Why a JPEG's scan was not rewritten.</summary>
public enum ScanFailureKind
{
    /// <summary>A JPEG this rewriter does not handle (progressive, arithmetic, lossless, 12-bit, several scans, CMYK).</summary>
    Unsupported,

    /// <summary>An edited block needs a Huffman symbol the source's table has no code for.</summary>
    MissingHuffmanCode,

    /// <summary>An edited coefficient is outside what a baseline 8-bit JPEG can code.</summary>
    CoefficientOutOfRange,

    /// <summary>The entropy data ends before the last MCU.</summary>
    Truncated,

    /// <summary>The headers or the entropy data are damaged.</summary>
    Corrupt,
}

/// <summary>A refusal: its kind and a short reason, for a debug log and the fall back to the full path.</summary>
public sealed record ScanFailure(ScanFailureKind Kind, string Reason)
{
    public static ScanFailure Unsupported(string reason) => new(ScanFailureKind.Unsupported, reason);

    public static ScanFailure Truncated(string reason) => new(ScanFailureKind.Truncated, reason);

    public static ScanFailure Corrupt(string reason) => new(ScanFailureKind.Corrupt, reason);

    public override string ToString() => $"{Kind}: {Reason}";
}
