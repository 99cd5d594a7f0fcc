using System.Text.RegularExpressions;
using ImageJobs.Contracts;
using ImageJobs.Producer.ApiReference;
using ImageJobs.Tests.Support;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace ImageJobs.Tests.Integration;

/// <summary>The OpenAPI document the producer serves, read back with Microsoft.OpenApi's own reader and validator.</summary>
[Trait("Category", "Integration")]
[Collection(LocalInfrastructureGroup.Name)]
public sealed partial class ApiDescriptionTests(LocalInfrastructure infrastructure, ITestOutputHelper output)
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task The_document_is_valid_OpenAPI_3_1_and_describes_every_mapped_endpoint()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var (document, diagnostic) = await ReadAsync(producer);

        Assert.Empty(diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, diagnostic.SpecificationVersion);
        Assert.Empty(document.Validate(ValidationRuleSet.GetDefaultRuleSet())!.Select(e => $"{e.Pointer}: {e.Message}"));
        foreach (var warning in diagnostic.Warnings)
        {
            output.WriteLine($"warning {warning.Pointer}: {warning.Message}");
        }

        // Every endpoint the app routes to, as the router holds them, is described, method and path;
        // only the description's own endpoints and the health probes are left out, on purpose.
        var routed = producer.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => (Method: m, Path: Path(e), Endpoint: e)))
            .ToList();
        var excluded = routed.Where(r => r.Endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true } || r.Method == "*")
            .Select(r => r.Path).ToHashSet();
        Assert.Equal(["/alive", "/docs/favicon.svg", "/docs/scalar.aspnetcore.js", "/docs/scalar.js", "/docs/{documentName}", "/health", "/openapi/{documentName}.json"],
            excluded.Order(StringComparer.Ordinal));
        var described = routed.Where(r => !excluded.Contains(r.Path)).ToList();
        Assert.True(described.Count >= 15, $"only {described.Count} endpoints found");
        foreach (var (method, path, _) in described)
        {
            Assert.True(document.Paths.TryGetValue(path, out var item), $"{method} {path} is not in the document");
            var operation = Assert.Single(item!.Operations!, o => string.Equals(o.Key.Method, method, StringComparison.OrdinalIgnoreCase)).Value;
            Assert.False(string.IsNullOrEmpty(operation.OperationId), $"{method} {path} has no operation id");
            Assert.False(string.IsNullOrEmpty(operation.Summary), $"{method} {path} has no summary");
            Assert.Contains(operation.Responses!.Keys, k => k.StartsWith('2'));
            // What the access middleware answers before any endpoint runs, and at least one problem of its own.
            Assert.Contains("401", operation.Responses!.Keys);
            Assert.Contains(operation.Responses!, r => r.Key.StartsWith('4') && r.Value.Content?.ContainsKey("application/problem+json") == true);
        }

        Assert.Equal(described.Count, document.Paths.Sum(p => p.Value.Operations!.Count));
    }

    [Fact]
    public async Task The_document_carries_the_error_code_catalogue_examples_and_how_to_send_the_key()
    {
        await using var producer = await InProcessProducer.StartAsync(infrastructure, _suffix);
        var (document, _) = await ReadAsync(producer);

        var codes = document.Components!.Schemas![ApiDocumentTransformer.ErrorCodeSchema];
        Assert.Equal(ErrorCodes.All.Select(c => c.Code).Order(StringComparer.Ordinal), codes.Enum!.Select(n => n.GetValue<string>()));
        foreach (var code in ErrorCodes.All)
        {
            Assert.Contains($"`{code.Code}`: {code.Meaning}", codes.Description, StringComparison.Ordinal);
        }

        // A preview's refusal names its code; a failed job's code is the catalogue's.
        var preview = document.Paths["/api/preview"].Operations![HttpMethod.Post];
        var refused = preview.Responses!["422"].Content!["application/problem+json"].Schema;
        Assert.Equal(ApiDocumentTransformer.CodedProblemSchema, Assert.IsType<OpenApiSchemaReference>(refused).Reference.Id);
        var failure = document.Components.Schemas["JobFailure"].Properties!["errorCode"];
        Assert.Contains(failure.AnyOf!, s => s is OpenApiSchemaReference { Reference.Id: ApiDocumentTransformer.ErrorCodeSchema });

        var submit = document.Paths["/api/batches"].Operations![HttpMethod.Post];
        Assert.Equal(["202", "400", "401", "403", "409"], submit.Responses!.Keys.Order(StringComparer.Ordinal));
        Assert.NotEmpty(document.Components.Schemas["SubmitBatchRequest"].Examples!);
        Assert.NotEmpty(document.Components.Schemas["BatchStatus"].Examples!);
        Assert.Equal([ApiDocumentTransformer.BearerScheme, ApiDocumentTransformer.BasicScheme], document.Components.SecuritySchemes!.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("Retry-After", preview.Responses["429"].Headers!.Keys);
    }

    private static async Task<(OpenApiDocument Document, OpenApiDiagnostic Diagnostic)> ReadAsync(InProcessProducer producer)
    {
        using var response = await producer.Http.GetAsync(ApiDescription.DocumentPath);
        response.EnsureSuccessStatusCode();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync();
        var (document, diagnostic) = await OpenApiDocument.LoadAsync(body, "json");
        return (Assert.IsType<OpenApiDocument>(document), diagnostic!);
    }

    /// <summary>A route pattern as OpenAPI writes its path: constraints and catch-all stars dropped.</summary>
    private static string Path(RouteEndpoint endpoint) =>
        Parameter().Replace("/" + endpoint.RoutePattern.RawText!.Trim('/'), m => "{" + m.Groups["name"].Value + "}");

    [GeneratedRegex(@"\{\*{0,2}(?<name>[A-Za-z]+)(:[^}]*)?\??\}")]
    private static partial Regex Parameter();
}
