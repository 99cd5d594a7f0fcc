using ImageJobs.Rendering.Imaging.Jpeg;
using NetVips;

namespace ImageJobs.Tests.Rendering;

[Trait("Category", "Rendering")]
public class JpegHeaderTests
{
    [Theory]
    [InlineData("4:2:0", 2, 2)]
    [InlineData("4:4:4", 1, 1)]
    public void Reads_the_frame_tables_and_scan(string subsampling, int horizontal, int vertical)
    {
        using var image = Image.Black(100, 60).Linear([1, 1, 1], [40, 90, 140]).Cast(Enums.BandFormat.Uchar).Copy(interpretation: Enums.Interpretation.Srgb);
        var mode = subsampling == "4:4:4" ? Enums.ForeignSubsample.Off : Enums.ForeignSubsample.On;
        var jpeg = image.JpegsaveBuffer(q: 75, subsampleMode: mode, restartInterval: 3);

        var header = JpegHeader.Read(jpeg);

        Assert.Equal(JpegProcess.Baseline, header.Process);
        Assert.Equal((8, 100, 60), (header.Precision, header.Width, header.Height));
        Assert.Equal(3, header.Components.Count);
        Assert.Equal((horizontal, vertical, 0), (header.Components[0].Horizontal, header.Components[0].Vertical, header.Components[0].QuantTable));
        Assert.Equal((1, 1, 1), (header.Components[1].Horizontal, header.Components[1].Vertical, header.Components[1].QuantTable));
        Assert.Equal(3, header.RestartInterval);
        Assert.Equal([0, 1, 2], header.Scan.Select(s => s.Component));
        Assert.Equal(4, header.HuffmanTables.Count);
        Assert.All(header.HuffmanTables, t => Assert.Equal(t.Counts.Sum(c => c), t.Symbols.Length));
        // Annex K's luminance table at q75 (libjpeg scaling): 16 -> 8 in the DC position.
        Assert.Equal(8, header.QuantTable(0)![0]);
        Assert.True(header.EntropyStart > 0 && jpeg[header.EntropyStart - 2] != 0xFF);
        Assert.Equal(0xFF, jpeg[^2]);
    }

    [Fact]
    public void Tells_progressive_and_grey_frames()
    {
        using var grey = Image.Black(32, 16).Linear([1], [77]).Cast(Enums.BandFormat.Uchar);
        var header = JpegHeader.Read(grey.JpegsaveBuffer(interlace: true));

        Assert.Equal(JpegProcess.Progressive, header.Process);
        Assert.Single(header.Components);
        Assert.Equal(0, header.RestartInterval);
        Assert.Null(header.AdobeTransform);
    }

    [Fact]
    public void Stops_at_damage_with_what_it_read()
    {
        Assert.Null(JpegHeader.Read([0xFF, 0xD8, 0xFF, 0xC0, 0x00]).Process);
        Assert.Null(JpegHeader.Read("not a jpeg"u8).Process);
        var header = JpegHeader.Read([0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 8, 0, 16, 0, 32, 1, 1, 0x11, 0, 0xFF, 0xDA, 0xFF, 0xFF]);
        Assert.Equal((32, 16), (header.Width, header.Height));
        Assert.Equal(-1, header.EntropyStart);
        Assert.Empty(header.Scan);
    }
}
