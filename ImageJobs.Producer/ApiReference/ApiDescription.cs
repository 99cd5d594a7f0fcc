using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace ImageJobs.Producer.ApiReference;

/// <summary>
/// The producer's machine-readable description (OpenAPI 3.1, generated from the endpoints at
/// <see cref="DocumentPath"/>) and its reference page at <see cref="PagePath"/> (Scalar, every
/// asset served from the producer itself).
/// </summary>
public static class ApiDescription
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePath = "/docs";

    public static IServiceCollection AddApiDescription(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.AddDocumentTransformer<ApiDocumentTransformer>();
            options.AddOperationTransformer<ApiOperationTransformer>();
            options.AddSchemaTransformer<ApiExamples>();
        });

    public static WebApplication MapApiDescription(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference(PagePath, options => options
            .WithTitle("ImageJobs API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            // Nothing from the network: no web fonts, no telemetry, no AI chat, no MCP server, no request proxy.
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp()
            // A fresh nonce per response for the page's own inline configuration script (see DocsPolicy).
            .WithNonce());
        return app;
    }

    /// <summary>
    /// The reference page's Content-Security-Policy: the page's, loosened only as far as Scalar
    /// needs: its inline configuration script by this response's nonce, and the style elements its
    /// script writes. No eval (its script tries it once and renders without it); every script,
    /// fetch, image and font still from this host alone.
    /// </summary>
    public static string DocsPolicy(string nonce) =>
        $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        + "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The nonce Scalar put on this response's script tags, if this is the reference page.</summary>
    public static string? PageNonce(HttpContext context) =>
        context.Items.TryGetValue(ScalarOptions.NonceHttpContextItemKey, out var nonce) ? nonce as string : null;
}
