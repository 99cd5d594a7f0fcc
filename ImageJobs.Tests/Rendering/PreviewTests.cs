using Azure.Storage.Blobs;
using ImageJobs.Contracts;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Fonts;
using ImageJobs.Producer.Preview;
using ImageJobs.Rendering;
using ImageJobs.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ImageJobs.Tests.Rendering;

/// <summary>The producer's preview endpoint, called as a handler (base64 images need no storage).</summary>
[Trait("Category", "Rendering")]
public class PreviewTests(RendererFixture fixture) : IClassFixture<RendererFixture>
{
    // Never contacted: these requests carry the image inline.
    private static readonly BlobServiceClient UnusedBlobs = new("UseDevelopmentStorage=true");

    private Task<IResult> Handle(PreviewRequest request, PreviewOptions? options = null, CancellationToken cancellationToken = default) => PreviewEndpoints.HandleAsync(
        request, fixture.Renderer, UnusedBlobs, Options.Create(new StorageOptions()), Options.Create(options ?? new PreviewOptions()), Options.Create(new BatchLimits()),
        new FontStore(UnusedBlobs, Options.Create(new StorageOptions()), TimeProvider.System), new FontFiles(UnusedBlobs, Options.Create(new StorageOptions()), Options.Create(new FontCacheOptions())),
        Options.Create(new RenderLimits()), cancellationToken);

    [Fact]
    public async Task Base64_image_comes_back_rendered_in_the_chosen_format()
    {
        var image = Convert.ToBase64String(TestImages.Gradient(120, 80, SkiaSharp.SKEncodedImageFormat.Jpeg));

        var result = await Handle(new PreviewRequest(null, image, "Preview", new TextStyle { Output = new OutputStyle { Format = OutputFormat.Webp } }));

        var file = Assert.IsType<FileContentHttpResult>(result);
        Assert.Equal("image/webp", file.ContentType);
        using var decoded = TestImages.Decode(file.FileContents);
        Assert.Equal((120, 80), (decoded.Width, decoded.Height));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("a.jpg", "AAAA")]
    public async Task Exactly_one_of_source_and_image_is_required(string? source, string? image)
    {
        var result = await Handle(new PreviewRequest(source, image, "x", null));

        var problem = Assert.IsType<ProblemHttpResult>(result);
        var details = Assert.IsType<HttpValidationProblemDetails>(problem.ProblemDetails);
        Assert.Contains("source", details.Errors.Keys);
    }

    [Fact]
    public async Task Style_errors_are_keyed_by_their_path()
    {
        var result = await Handle(new PreviewRequest(null, "AAAA", "x", new TextStyle { Box = new TextBoxStyle { Width = -1 } }));

        var details = Assert.IsType<HttpValidationProblemDetails>(Assert.IsType<ProblemHttpResult>(result).ProblemDetails);
        Assert.Equal(["style.box.width"], details.Errors.Keys);
    }

    [Fact]
    public async Task Refusals_carry_the_renderer_code()
    {
        var result = await Handle(new PreviewRequest(null, Convert.ToBase64String("not an image"u8), "x", null));

        var problem = Assert.IsType<ProblemHttpResult>(result);
        Assert.Equal(StatusCodes.Status422UnprocessableEntity, problem.StatusCode);
        Assert.Equal(ErrorCodes.NotAnImage, problem.ProblemDetails.Extensions["code"]);
    }

    [Fact]
    public async Task A_large_photo_is_previewed_reduced_and_upright()
    {
        // 4000x3000 stored, EXIF 6 (turned a quarter): upright it is 3000x4000.
        var image = Convert.ToBase64String(TestImages.JpegWithOrientation(4000, 3000, 6));

        var result = await Handle(new PreviewRequest(null, image, "Preview", null), new PreviewOptions { MaxEdge = 800 });

        var file = Assert.IsType<FileContentHttpResult>(result);
        using var decoded = TestImages.Decode(file.FileContents);
        // Thumbnailed to 800 px on its longest side, upright.
        Assert.True(decoded.Height <= 1000 && decoded.Width * 4 == decoded.Height * 3, $"{decoded.Width}x{decoded.Height}");
    }

    [Fact]
    public async Task A_format_that_is_decoded_whole_is_refused_above_the_preview_pixel_limit()
    {
        var image = Convert.ToBase64String(TestImages.Bmp(3000, 2000, SkiaSharp.SKColors.Teal));

        var result = await Handle(new PreviewRequest(null, image, "x", null), new PreviewOptions { MaxDecodedPixels = 4_000_000 });

        var problem = Assert.IsType<ProblemHttpResult>(result);
        Assert.Equal(StatusCodes.Status422UnprocessableEntity, problem.StatusCode);
        Assert.Equal(ErrorCodes.TooManyPixels, problem.ProblemDetails.Extensions["code"]);
    }

    [Fact]
    public async Task A_preview_whose_client_went_away_is_stopped()
    {
        var image = Convert.ToBase64String(TestImages.Gradient(400, 300, SkiaSharp.SKEncodedImageFormat.Jpeg));
        using var gone = new CancellationTokenSource();
        await gone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Handle(new PreviewRequest(null, image, "x", null), cancellationToken: gone.Token));
    }

    [Fact]
    public async Task A_source_name_that_climbs_out_of_the_sources_is_refused_before_any_read()
    {
        var result = await Handle(new PreviewRequest("../results/batch/000000-a.jpg", null, "x", null));

        var details = Assert.IsType<HttpValidationProblemDetails>(Assert.IsType<ProblemHttpResult>(result).ProblemDetails);
        Assert.Contains("'..'", details.Errors["source"][0], StringComparison.Ordinal);
    }
}
