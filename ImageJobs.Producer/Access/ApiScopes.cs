namespace ImageJobs.Producer.Access;

/// <summary>
/// What a key may do: <see cref="Read"/> (every GET: the page, status, results), <see cref="Submit"/>
/// (batches, uploads, previews, requeues, batch control) and <see cref="Admin"/> (keys and the operator
/// commands; it includes the other two).
/// </summary>
public static class ApiScopes
{
    public const string Read = "read";
    public const string Submit = "submit";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Read, Submit, Admin];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);

    /// <summary>Whether a key of <paramref name="granted"/> scopes may do what needs <paramref name="required"/>.</summary>
    public static bool Allows(IReadOnlyCollection<string> granted, string required) =>
        granted.Contains(Admin, StringComparer.Ordinal) || granted.Contains(required, StringComparer.Ordinal);

    /// <summary>
    /// What a request needs: its endpoint's declared scope, else read for a read (GET, HEAD) and
    /// admin for any change nobody declared, so a new endpoint is closed until it says otherwise.
    /// </summary>
    public static string Required(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<ScopeRequirement>()?.Scope
        ?? (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method) ? Read : Admin);

    /// <summary>Declares the scope a key needs for these endpoints.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder endpoints, string scope)
        where TBuilder : IEndpointConventionBuilder =>
        endpoints.WithMetadata(new ScopeRequirement(scope));
}

/// <summary>Endpoint metadata: the scope a key needs here.</summary>
public sealed record ScopeRequirement(string Scope);

/// <summary>
/// Who made a request, as the access middleware found: the name of a key (never the key), its
/// scopes, and its own rate (null: the default). <see cref="Open"/> when the producer has no key.
/// </summary>
public sealed record ApiCaller(string Name, IReadOnlyList<string> Scopes, double? PermitsPerSecond)
{
    public static ApiCaller Open { get; } = new("open", ApiScopes.All, null);

    public static ApiCaller? Of(HttpContext context) => context.Features.Get<ApiCaller>();
}
