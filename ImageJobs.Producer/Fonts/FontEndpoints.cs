using ImageJobs.Contracts;
using ImageJobs.Producer.Access;
using ImageJobs.Producer.Sources;
using ImageJobs.Rendering;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Fonts;

/// <summary>
/// /api/fonts: upload a TrueType or OpenType face (admin: every template may then name its family),
/// list the faces, delete one. An upload is checked as a worker would load it: it parses, has glyphs,
/// is within <c>Rendering:Limits:MaxFontBytes</c>; its family, weight and style are read from the font.
/// </summary>
public static class FontEndpoints
{
    public static IServiceCollection AddFonts(this IServiceCollection services) => services.AddSingleton<FontStore>();

    public static IEndpointRouteBuilder MapFontEndpoints(this IEndpointRouteBuilder app)
    {
        var fonts = app.MapGroup("/api/fonts").WithTags("Fonts");

        fonts.MapPost("/", async (HttpRequest request, FontStore store, IOptions<RenderLimits> limits, CancellationToken cancellationToken) =>
        {
            var max = limits.Value.MaxFontBytes;
            if (request.ContentLength > max)
            {
                return TooLarge(max);
            }

            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = max;
            }

            byte[] data;
            try
            {
                using var body = new MemoryStream();
                await new LimitedReadStream(request.Body, max).CopyToAsync(body, cancellationToken);
                data = body.ToArray();
            }
            catch (Exception ex) when (ex is UploadTooLargeException or BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                return TooLarge(max);
            }

            if (UploadedFonts.Inspect(data, out var problem) is not { } info)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"The font is refused: {problem}.",
                    extensions: new Dictionary<string, object?> { ["code"] = ErrorCodes.InvalidFont });
            }

            try
            {
                var (face, created) = await store.SaveAsync(data, info, cancellationToken);
                return created ? Results.Created($"/api/fonts/{face.Id}", face) : Results.Ok(face);
            }
            catch (FontConflictException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: ex.Message);
            }
            catch (InvalidOperationException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: ex.Message);
            }
        }).DisableAntiforgery()
            .RequireScope(ApiScopes.Admin)
            .WithName("UploadFont")
            .WithSummary("Upload one TrueType or OpenType face (the file as the body)")
            .WithDescription("Family, weight and style are read from the font. 201 with the face; 200 when the same bytes were uploaded before; 400 (code font.invalid) when it does not parse, has no glyphs, is a collection or WOFF; 409 when the family already has a face of that weight and style; 413 over Rendering:Limits:MaxFontBytes.")
            .Accepts<byte[]>("font/ttf", "font/otf", "application/octet-stream")
            .Produces<FontFace>(StatusCodes.Status201Created)
            .Produces<FontFace>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        fonts.MapGet("/", async (FontStore store, CancellationToken cancellationToken) => Results.Ok(await store.ListAsync(cancellationToken)))
            .WithName("ListFonts")
            .WithSummary("Every uploaded face, by family, style and weight")
            .Produces<IReadOnlyList<FontFace>>()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        fonts.MapDelete("/{id}", async (string id, FontStore store, CancellationToken cancellationToken) =>
            await store.DeleteAsync(id, cancellationToken) ? Results.NoContent() : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No font '{(id.Length > 80 ? id[..80] : id)}'."))
            .RequireScope(ApiScopes.Admin)
            .WithName("DeleteFont")
            .WithSummary("Delete one face")
            .WithDescription("Templates naming its family are refused at their next save or submission; jobs already published that need it fail with font.missing.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    private static IResult TooLarge(long max) =>
        Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: $"The font is larger than the limit of {max:N0} bytes (Rendering:Limits:MaxFontBytes).",
            extensions: new Dictionary<string, object?> { ["code"] = ErrorCodes.InvalidFont });
}
