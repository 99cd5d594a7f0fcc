using System.Text;
using System.Text.Json.Nodes;
using ImageJobs.Contracts;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ImageJobs.Producer.ApiReference;

/// <summary>
/// What the endpoints cannot say of themselves: the title, how to send the access key, and the
/// catalogue of error codes (<see cref="ErrorCodes"/>) as one schema every coded field refers to.
/// </summary>
public sealed class ApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public const string ErrorCodeSchema = "ErrorCode";
    public const string CodedProblemSchema = "CodedProblemDetails";
    public const string BearerScheme = "accessKey";
    public const string BasicScheme = "accessKeyAsPassword";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "ImageJobs API",
            Version = "1",
            Description = "Put text on very many images: submit a batch of images and texts, follow it, fetch the results. "
                + "Errors are problem details (RFC 9457); a 400 names each bad field under `errors`, and a job's failure carries a stable "
                + $"code from the `{ErrorCodeSchema}` catalogue.",
        };

        document.Components ??= new OpenApiComponents();
        document.AddComponent<IOpenApiSecurityScheme>(BearerScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The producer's access key (Access:Key) as a bearer token. Without a key set (local development) the API is open.",
        });
        document.AddComponent<IOpenApiSecurityScheme>(BasicScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "basic",
            Description = "The access key as the password of HTTP Basic, any user name: what a browser sends once a person typed it.",
        });
        document.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BasicScheme, document)] = [] },
        ];

        document.AddComponent<IOpenApiSchema>(ErrorCodeSchema, ErrorCodeCatalogue());
        document.AddComponent<IOpenApiSchema>(CodedProblemSchema, new OpenApiSchema
        {
            Description = "Problem details whose `code` says which refusal it is, from the error-code catalogue.",
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                ["code"] = new OpenApiSchemaReference(ErrorCodeSchema, document),
            },
            Required = new HashSet<string> { "code" },
        });

        // A failed job's code is one of the catalogue's (or one a newer worker added).
        if (document.Components.Schemas is { } schemas && schemas.TryGetValue("JobFailure", out var found)
            && found is OpenApiSchema { Properties: { } properties })
        {
            properties["errorCode"] = new OpenApiSchema
            {
                Description = $"The failure's code: one of {ErrorCodeSchema}, or a code a newer worker added.",
                AnyOf = [new OpenApiSchemaReference(ErrorCodeSchema, document), new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null }],
            };
        }

        return Task.CompletedTask;
    }

    /// <summary>Every code with what it means and whether a retry can help, as a string enum.</summary>
    public static OpenApiSchema ErrorCodeCatalogue()
    {
        var description = new StringBuilder("Why a job failed or a request was refused. Codes are stable: new ones are added, none renamed.\n\n");
        foreach (var code in ErrorCodes.All.OrderBy(c => c.Code, StringComparer.Ordinal))
        {
            description.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"- `{code.Code}`: {code.Meaning}{(code.Permanent ? string.Empty : " (transient: retried)")}\n");
        }

        return new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = description.ToString(),
            Enum = [.. ErrorCodes.All.Select(c => c.Code).Order(StringComparer.Ordinal).Select(c => (JsonNode)JsonValue.Create(c))],
        };
    }
}
