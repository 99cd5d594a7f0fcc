using System.Text.Json;
using ImageJobs.Contracts;
using ImageJobs.Contracts.Styles;
using ImageJobs.Rendering;
using ImageJobs.Rendering.Layout;

namespace ImageJobs.Tests.Rendering;

[Trait("Category", "Rendering")]
public class StyleTests
{
    [Fact]
    public void Over_merges_nested_parts_property_by_property()
    {
        var batch = new TextStyle { Color = "#FF0000", Box = new TextBoxStyle { X = 10, Width = 50 }, Shadow = new ShadowStyle { Color = "#000000" } };
        var item = new TextStyle { Box = new TextBoxStyle { Width = 70 }, Output = new OutputStyle { Format = OutputFormat.Png } };

        var merged = item.Over(batch);

        Assert.Equal("#FF0000", merged.Color);
        Assert.Equal(new TextBoxStyle { X = 10, Width = 70 }, merged.Box);
        Assert.Equal("#000000", merged.Shadow!.Color);
        Assert.Equal(OutputFormat.Png, merged.Output!.Format);
        Assert.Null(merged.Output.Quality);
    }

    [Fact]
    public void A_box_in_another_unit_inherits_no_numbers_and_its_unset_ones_take_the_default_place()
    {
        // Pixels over the default percent box: not 5 px from the corner, but 5% of the image, as by default.
        var pixels = new TextStyle { Box = new TextBoxStyle { Unit = BoxUnit.Pixels, Width = 400, Height = 100 } }.Over(TextStyle.Default).Box!;
        Assert.Equal(new TextBoxStyle { Unit = BoxUnit.Pixels, Width = 400, Height = 100 }, pixels);
        Assert.Equal(new LayoutRect(50, 25, 400, 100), BlockPlacer.ResolveBox(pixels, 1000, 500));

        // Percent over a batch's pixel box: the default percentages, not the pixel numbers read as percent.
        var batch = new TextStyle { Box = new TextBoxStyle { Unit = BoxUnit.Pixels, X = 300, Y = 200, Width = 400, Height = 100 } };
        var percent = new TextStyle { Box = new TextBoxStyle { Unit = BoxUnit.Percent, Y = 80 } }.Over(batch).Box!;
        Assert.Equal(new LayoutRect(50, 400, 900, 100), BlockPlacer.ResolveBox(percent, 1000, 500));

        // The same unit still inherits, number by number; no unit is percent.
        var moved = new TextStyle { Box = new TextBoxStyle { X = 10 } }.Over(batch).Box!;
        Assert.Equal(new TextBoxStyle { Unit = BoxUnit.Pixels, X = 10, Y = 200, Width = 400, Height = 100 }, moved);
        var lowered = new TextBoxStyle { Unit = BoxUnit.Percent, X = 10 }.Over(new TextBoxStyle { Y = 70 });
        Assert.Equal(new TextBoxStyle { Unit = BoxUnit.Percent, X = 10, Y = 70 }, lowered);
    }

    [Fact]
    public void Validate_names_every_bad_field_by_its_json_path()
    {
        var style = new TextStyle
        {
            Color = "red",
            Opacity = 2,
            MinFontSizeRatio = 0.5,
            FontSizeRatio = 0.1,
            Anchor = (Anchor)42,
            Box = new TextBoxStyle { X = 50, Width = 0 },
            Shadow = new ShadowStyle { Blur = double.NaN },
            Background = new BackgroundStyle { Color = "#12345" },
            Output = new OutputStyle { Quality = 0 },
        };

        var errors = style.Validate();

        Assert.Equal(
            ["anchor", "background.color", "box.width", "color", "minFontSizeRatio", "opacity", "output.quality", "shadow.blur"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(TextStyle.Default.Validate());
    }

    [Fact]
    public void The_job_message_carries_the_style_as_camel_case_json_with_enum_names()
    {
        var style = new TextStyle { Anchor = Anchor.TopRight, Box = new TextBoxStyle { Unit = BoxUnit.Pixels, Width = 300 }, Output = new OutputStyle { Format = OutputFormat.Webp, Quality = 70, Metadata = MetadataPolicy.StripLocation } };
        var job = new RenderJob(1, "j", "b", 0, "a.jpg", "hi", "r.jpg", style.ToContract(), DateTimeOffset.UnixEpoch);

        var json = JsonSerializer.Serialize(job, JobJson.Default.RenderJob);

        Assert.Contains("\"style\":{\"anchor\":\"TopRight\",\"box\":{\"unit\":\"Pixels\",\"width\":300},\"output\":{\"format\":\"Webp\",\"quality\":70,\"metadata\":\"StripLocation\"}}", json.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(job, JsonSerializer.Deserialize(json, JobJson.Default.RenderJob));
        Assert.Equal(style, JsonSerializer.Deserialize(json, JobJson.Default.RenderJob)!.Style!.ToTextStyle());
    }

    [Theory]
    [InlineData("""{"anchor":"Nowhere"}""", "anchor")]
    [InlineData("""{"anchor":"3"}""", "anchor")]
    [InlineData("""{"box":{"unit":"Inches"}}""", "box.unit")]
    [InlineData("""{"output":{"format":"Tiff"}}""", "output.format")]
    [InlineData("""{"output":{"metadata":"StripFaces"}}""", "output.metadata")]
    public void A_style_name_the_renderer_does_not_know_is_refused_naming_its_field(string json, string field)
    {
        var style = JsonSerializer.Deserialize<JobStyle>(json, JsonSerializerOptions.Web)!;

        var error = Assert.Throws<JobFailedException>(() => style.ToTextStyle());

        Assert.Equal(ErrorCodes.InvalidStyle, error.Code);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Enum_names_also_read_with_default_web_options()
    {
        var style = JsonSerializer.Deserialize<TextStyle>("{\"anchor\":\"Center\",\"overflow\":\"Fail\"}", JsonSerializerOptions.Web);
        Assert.Equal(Anchor.Center, style!.Anchor);
        Assert.Equal(OverflowPolicy.Fail, style.Overflow);
    }
}
