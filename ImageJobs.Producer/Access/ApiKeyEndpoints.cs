using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Access;

/// <summary>Named keys, for admins: created (the key shown once), listed, revoked.</summary>
public static class ApiKeyEndpoints
{
    public static IEndpointRouteBuilder MapApiKeyEndpoints(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/keys").WithTags("Keys").RequireScope(ApiScopes.Admin);

        keys.MapPost("/", async (CreateApiKeyRequest request, ApiKeyStore store, IOptions<ApiKeyOptions> options, CancellationToken cancellationToken) =>
        {
            var errors = ApiKeyStore.Validate(request);
            if (string.Equals(request.Name, options.Value.AccessKeyName, StringComparison.OrdinalIgnoreCase))
            {
                errors["name"] = [$"'{request.Name}' is the name of the Access:Key (ApiKeys:AccessKeyName)."];
            }

            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors, title: "The key request is invalid.");
            }

            try
            {
                var created = await store.CreateAsync(request, cancellationToken);
                return Results.Created($"/api/keys/{created.Id}", created);
            }
            catch (ApiKeyNameTakenException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: ex.Message);
            }
        })
            .WithName("CreateApiKey")
            .WithSummary("Create a named key with scopes (read, submit, admin); the key is in this answer only")
            .Produces<CreatedApiKey>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        keys.MapGet("/", async (ApiKeyStore store, CancellationToken cancellationToken) => Results.Ok(await store.ListAsync(cancellationToken)))
            .WithName("ListApiKeys")
            .WithSummary("Every named key, revoked ones included: names, scopes, dates; never a key")
            .Produces<IReadOnlyList<ApiKeyView>>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        keys.MapDelete("/{keyId}", async (string keyId, ApiKeyStore store, CancellationToken cancellationToken) =>
        {
            if (await store.RevokeAsync(keyId, cancellationToken) is not { } revoked)
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No key '{keyId}'.");
            }

            return Results.Ok(revoked);
        })
            .WithName("RevokeApiKey")
            .WithSummary("Revoke a named key: refused from then on (on other replicas within ApiKeys:CacheFor)")
            .Produces<ApiKeyView>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }
}
