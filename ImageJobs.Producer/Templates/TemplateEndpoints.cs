using ImageJobs.Producer.Access;
using ImageJobs.Producer.Batches;
using ImageJobs.Producer.Fonts;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Templates;

/// <summary>
/// /api/templates: create, list (paged like batches), read (the newest version or any one), update
/// (a new version) and delete. A template is checked as a batch would check it before it is saved.
/// </summary>
public static class TemplateEndpoints
{
    public const int DefaultPerPage = 50;
    public const int MaxPerPage = 500;

    public static IServiceCollection AddTemplates(this IServiceCollection services) => services
        .AddSingleton<TemplateStore>()
        .AddSingleton<TemplatedBatches>();

    /// <summary>
    /// Saving a template (create, or a new version) needs <c>submit</c>, like the sources and batches
    /// that use it: every save is a new version, so nothing anyone saved is lost. Deleting one needs
    /// <c>admin</c>: it takes every version away from the batches that name it.
    /// </summary>
    public static IEndpointRouteBuilder MapTemplateEndpoints(this IEndpointRouteBuilder app)
    {
        var templates = app.MapGroup("/api/templates").WithTags("Templates");

        templates.MapPost("/", async (CreateTemplateRequest request, TemplateStore store, FontStore fonts, IOptions<BatchLimits> limits, CancellationToken cancellationToken) =>
        {
            if (TemplateStore.NameProblem(request.Name) is { } nameProblem)
            {
                return Invalid("name", nameProblem);
            }

            if (Check(request.Definition, limits.Value, await fonts.CatalogueAsync(request.Definition.Layers, cancellationToken)) is { } invalid)
            {
                return invalid;
            }

            try
            {
                var saved = await store.SaveAsync(request.Name!, request.Definition, create: true, cancellationToken);
                return Results.Created($"/api/templates/{saved!.Name}", saved);
            }
            catch (TemplateConflictException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: ex.Message);
            }
        })
            .RequireScope(ApiScopes.Submit)
            .WithName("CreateTemplate")
            .WithSummary("Create a template of layers: its version 1")
            .WithDescription("Checked as a batch would check it; refused with every problem by path (layers[2].box.width), nothing saved. 409 when the name exists.")
            .Produces<StoredTemplate>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        templates.MapGet("/", async (int? limit, string? continuation, TemplateStore store, HttpResponse response, CancellationToken cancellationToken) =>
            BatchEndpoints.PageProblem(limit, MaxPerPage, continuation, IsContinuationToken)
            ?? BatchEndpoints.Paged(response, await store.ListAsync(limit ?? DefaultPerPage, continuation, cancellationToken)))
            .WithName("ListTemplates")
            .WithSummary("Every template's newest version, by name, paged")
            .WithDescription("A Continuation-Token response header, sent back as ?continuation=, gives the next page.")
            .Produces<IReadOnlyList<TemplateSummary>>()
            .ProducesValidationProblem();

        templates.MapGet("/{name}", async (string name, TemplateStore store, CancellationToken cancellationToken) =>
            TemplateStore.NameProblem(name) is null && await store.GetAsync(name, null, cancellationToken) is { } stored ? Results.Ok(stored) : NoTemplate(name))
            .WithName("GetTemplate")
            .WithSummary("A template's newest version")
            .Produces<StoredTemplate>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        templates.MapGet("/{name}/versions/{version:int}", async (string name, int version, TemplateStore store, CancellationToken cancellationToken) =>
            TemplateStore.NameProblem(name) is null && version >= 1 && await store.GetAsync(name, version, cancellationToken) is { } stored
                ? Results.Ok(stored)
                : NoTemplate($"{name}' version '{version}"))
            .WithName("GetTemplateVersion")
            .WithSummary("One version of a template, as it was saved")
            .Produces<StoredTemplate>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        templates.MapPut("/{name}", async (string name, TemplateDefinition definition, TemplateStore store, FontStore fonts, IOptions<BatchLimits> limits, CancellationToken cancellationToken) =>
        {
            if (TemplateStore.NameProblem(name) is not null)
            {
                return NoTemplate(name);
            }

            if (Check(definition, limits.Value, await fonts.CatalogueAsync(definition.Layers, cancellationToken)) is { } invalid)
            {
                return invalid;
            }

            try
            {
                return await store.SaveAsync(name, definition, create: false, cancellationToken) is { } saved ? Results.Ok(saved) : NoTemplate(name);
            }
            catch (TemplateConflictException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: ex.Message);
            }
        })
            .RequireScope(ApiScopes.Submit)
            .WithName("UpdateTemplate")
            .WithSummary("Save a template's next version")
            .WithDescription("Versions already saved never change; batches already submitted keep the version they were filled from.")
            .Produces<StoredTemplate>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        templates.MapDelete("/{name}", async (string name, TemplateStore store, CancellationToken cancellationToken) =>
            TemplateStore.NameProblem(name) is null && await store.DeleteAsync(name, cancellationToken) ? Results.NoContent() : NoTemplate(name))
            .RequireScope(ApiScopes.Admin)
            .WithName("DeleteTemplate")
            .WithSummary("Delete a template, every version")
            .WithDescription("Batches already published are not touched: their jobs carry the template resolved.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    /// <summary>A 400 naming every problem by path (<c>layers[2].box.width</c>), as a batch would be refused; null when valid.</summary>
    private static IResult? Check(TemplateDefinition definition, BatchLimits limits, FontCatalogue fonts) =>
        TemplatePlan.TryCompile(definition, limits.MaxTextLength, out var errors, fonts: fonts) is null
            ? Results.ValidationProblem(errors.ToDictionary(e => e.Key, e => new[] { e.Value }), title: "The template is invalid; nothing was saved.")
            : null;

    // Blob listing markers are opaque: printable ASCII of a bounded length is all that is assumed.
    private static bool IsContinuationToken(string token) => token.Length is > 0 and <= 1024 && token.All(c => c is > ' ' and <= '~');

    private static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The template is invalid; nothing was saved.");

    private static IResult NoTemplate(string name) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No template '{name}'.");
}
