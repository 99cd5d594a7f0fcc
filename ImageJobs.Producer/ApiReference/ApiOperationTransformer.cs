using System.Globalization;
using ImageJobs.Producer.Access;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ImageJobs.Producer.ApiReference;

/// <summary>A response of the endpoint that is problem details carrying a catalogue <c>code</c>.</summary>
public sealed record CodedProblemMetadata(int StatusCode);

public static class CodedProblems
{
    /// <summary>Declares a problem response whose body says which error code it is.</summary>
    public static RouteHandlerBuilder ProducesCodedProblem(this RouteHandlerBuilder endpoint, int statusCode) =>
        endpoint.ProducesProblem(statusCode).WithMetadata(new CodedProblemMetadata(statusCode));
}

/// <summary>
/// The responses every endpoint shares, which the access middleware gives before any endpoint
/// runs (401 without a key; 403 for a key without the endpoint's scope, or a browser's change from
/// another site), the scope each needs, the Retry-After of a 429, and coded problems pointed at the catalogue.
/// </summary>
public sealed class ApiOperationTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.Responses ??= [];
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [];
        }
        else
        {
            operation.Responses.TryAdd("401", new OpenApiResponse
            {
                Description = "No valid key: the Access:Key or a named key, missing, wrong or revoked (without an Access:Key, local development, only a named key is checked).",
                Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["WWW-Authenticate"] = new OpenApiHeader { Description = "Basic realm=\"ImageJobs\": what makes a browser ask for the key.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                },
            });
            var scope = metadata.OfType<ScopeRequirement>().LastOrDefault()?.Scope
                ?? (HttpMethods.IsGet(context.Description.HttpMethod ?? string.Empty) ? ApiScopes.Read : ApiScopes.Admin);
            operation.Description = (operation.Description is { Length: > 0 } d ? d + "\n\n" : string.Empty) + $"Needs a key with the `{scope}` scope (or `admin`).";
            operation.Responses.TryAdd("403", new OpenApiResponse
            {
                Description = $"The key lacks the `{scope}` scope; or a browser sent a change from another site (Sec-Fetch-Site or Origin), which is taken only from the producer's own page or from clients that are not browsers.",
            });
        }

        if (operation.Responses.TryGetValue("429", out var busy) && busy is OpenApiResponse tooMany)
        {
            tooMany.Headers ??= new Dictionary<string, IOpenApiHeader>();
            tooMany.Headers.TryAdd("Retry-After", new OpenApiHeader { Description = "Seconds to wait before trying again.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } });
        }

        foreach (var coded in metadata.OfType<CodedProblemMetadata>())
        {
            if (operation.Responses.GetValueOrDefault(coded.StatusCode.ToString(CultureInfo.InvariantCulture)) is OpenApiResponse { Content: { } content })
            {
                foreach (var media in content.Values.OfType<OpenApiMediaType>())
                {
                    media.Schema = new OpenApiSchemaReference(ApiDocumentTransformer.CodedProblemSchema, context.Document);
                }
            }
        }

        return Task.CompletedTask;
    }
}
