using ImageJobs.Rendering;
using ImageJobs.Rendering.Imaging.Jpeg;
using NetVips;

namespace ImageJobs.Benchmarks;

/// <summary>
/// The Rendering README's picture: one JPEG captioned on the Blocks path, every 8x8 luma block whose
/// coefficients changed tinted red and the rest as they are, scaled to a width.
/// Usage: ImageJobs.Benchmarks blocks-map SOURCE.jpg OUT.png [--width 960]
/// </summary>
public static class BlockMap
{
    public static int Run(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: blocks-map SOURCE.jpg OUT.png [--width 960]");
            return 2;
        }

        var width = args.SkipWhile(a => a != "--width").Skip(1).FirstOrDefault() is { } w ? int.Parse(w, System.Globalization.CultureInfo.InvariantCulture) : 960;
        var source = File.ReadAllBytes(args[0]);
        using var fonts = new FontLibrary();
        using var renderer = new ImageRenderer(fonts, new RenderLimits());
        var rendered = renderer.Render(source, PhotoSet.OneLine, PhotoSet.OneLineStyle with { Output = new OutputStyle { Path = RenderPath.Blocks } });
        var before = JpegCoefficients.Read(source)!;
        var after = JpegCoefficients.Read(rendered.Data.Span)!;
        var header = JpegHeader.Read(source);
        var (across, down) = (header.MaxHorizontal / header.Components[0].Horizontal, header.MaxVertical / header.Components[0].Vertical);

        // A mask of changed luma blocks (one value per block), enlarged to pixels.
        var columns = before.WidthsInBlocks[0];
        var rows = before.Components[0].Length / 64 / columns;
        var changed = new byte[columns * rows];
        for (var block = 0; block < changed.Length; block++)
        {
            changed[block] = before.Components[0].AsSpan(block * 64, 64).SequenceEqual(after.Components[0].AsSpan(block * 64, 64)) ? (byte)0 : (byte)255;
        }

        using var image = Image.NewFromBuffer(rendered.Data.ToArray());
        using var blocks = Image.NewFromMemory(changed, columns, rows, 1, Enums.BandFormat.Uchar);
        using var mask = blocks.Zoom(8 * across, 8 * down).Crop(0, 0, image.Width, image.Height);
        using var tinted = ((image * 0.45) + new[] { 140.0, 0, 0 }).Cast(Enums.BandFormat.Uchar);
        using var marked = mask.Ifthenelse(tinted, image);
        using var small = marked.Resize((double)width / image.Width);
        small.WriteToFile(args[1]);
        Console.WriteLine($"{changed.Count(c => c != 0)} of {changed.Length} luma blocks changed; {rendered.Data.Length} bytes from {source.Length} ({(double)rendered.Data.Length / source.Length:0.000})");
        return 0;
    }
}
