namespace ImageJobs.Rendering.Imaging.Jpeg;

/// <summary>
/// A JPEG's quantised DCT coefficients, read without decoding pixels (TurboJPEG's transform, no
/// output): per component, every block row by row, 64 values a block in natural order. What tests
/// and the benchmark compare results with, block by block.
/// </summary>
public sealed class JpegCoefficients
{
    private JpegCoefficients(IReadOnlyList<short[]> components, IReadOnlyList<int> widthsInBlocks) =>
        (Components, WidthsInBlocks) = (components, widthsInBlocks);

    /// <summary>Per component, all its blocks: block (column, row) starts at <c>((row * WidthsInBlocks[c]) + column) * 64</c>.</summary>
    public IReadOnlyList<short[]> Components { get; }

    public IReadOnlyList<int> WidthsInBlocks { get; }

    /// <summary>The coefficients, or null when libturbojpeg is not available.</summary>
    /// <exception cref="InvalidDataException">TurboJPEG could not read the data.</exception>
    public static JpegCoefficients? Read(ReadOnlySpan<byte> jpeg)
    {
        if (TurboJpeg.Functions is not { } tj)
        {
            return null;
        }

        var reader = new Reader();
        _ = TurboJpeg.Transform(tj, jpeg, TurboJpeg.NoOutput, reader, out var failure);
        return failure is null
            ? new JpegCoefficients([.. reader.Rows.Select(rows => rows.SelectMany(r => r).ToArray())], [.. reader.Rows.Select(rows => rows.Count == 0 ? 0 : rows[0].Length / 64)])
            : throw new InvalidDataException(failure);
    }

    private sealed class Reader : IBlockRowEdit
    {
        public List<List<short[]>> Rows { get; } = [];

        public string? Failure { get; set; }

        public void Edit(int component, int blockRow, Span<short> coefficients)
        {
            while (Rows.Count <= component)
            {
                Rows.Add([]);
            }

            Rows[component].Add(coefficients.ToArray());
        }
    }
}
