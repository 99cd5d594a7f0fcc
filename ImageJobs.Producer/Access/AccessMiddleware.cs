using System.Diagnostics;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Access;

/// <summary>
/// Who may use the producer. With an access key set, only requests carrying a key: the single
/// Access:Key (an admin key) or a named key with scopes (<see cref="ApiKeyStore"/>), as a bearer
/// token (scripts) or as the password of HTTP Basic (browsers ask for it once and send it with
/// every request of the page, images included); endpoints marked anonymous stay open. A named key
/// is checked whenever one is sent, and its scopes against what the endpoint needs
/// (<see cref="ApiScopes.Required"/>). And, key or not, changes only from the producer's own page
/// or from outside a browser: a browser sends its cached credentials, and reaches loopback, from any site it shows.
/// The caller's name (never its key) goes on the request's trace and log scope.
/// </summary>
public sealed partial class AccessMiddleware(RequestDelegate next, IOptions<AccessOptions> options, IOptions<ApiKeyOptions> keyOptions, ILogger<AccessMiddleware> logger)
{
    private const string Challenge = "Basic realm=\"ImageJobs\", charset=\"UTF-8\"";

    // Compared as hashes, in constant time: equal lengths, and nothing learnt from timing.
    private readonly byte[]? _keyHash = options.Value.Key is { Length: > 0 } key ? Hash(key) : null;
    private readonly ApiCaller _accessKeyCaller = new(keyOptions.Value.AccessKeyName, [ApiScopes.Admin], null);

    public async Task InvokeAsync(HttpContext context, ApiKeyStore keys)
    {
        var request = context.Request;
        // First: another site's form must not even make the browser ask for the key.
        if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
            && IsCrossSite(request.Headers["Sec-Fetch-Site"].ToString(), request.Headers.Origin.ToString(), request.Host.Value))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        if (context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            await next(context);
            return;
        }

        var presented = Presented(request.Headers.Authorization.ToString());
        ApiCaller? caller;
        if (presented is null)
        {
            caller = _keyHash is null ? ApiCaller.Open : null;
        }
        else if (ApiKeyStore.IsNamedKey(presented))
        {
            caller = await keys.FindAsync(presented, context.RequestAborted);
        }
        else
        {
            caller = _keyHash is not null && CryptographicOperations.FixedTimeEquals(Hash(presented), _keyHash) ? _accessKeyCaller
                : _keyHash is null ? ApiCaller.Open
                : null;
        }

        if (caller is null)
        {
            LogRefusedKey(logger, request.Method, request.Path);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = Challenge;
            return;
        }

        var required = ApiScopes.Required(context);
        if (!ApiScopes.Allows(caller.Scopes, required))
        {
            LogMissingScope(logger, caller.Name, required, request.Method, request.Path);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = StatusCodes.Status403Forbidden, Title = $"The key '{caller.Name}' lacks the scope '{required}' this needs." },
            });
            return;
        }

        context.Features.Set(caller);
        context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, caller.Name)], "ApiKey"));
        Activity.Current?.SetTag("imagejobs.api_key", caller.Name);
        using (logger.BeginScope(new Dictionary<string, object> { ["ApiKey"] = caller.Name }))
        {
            await next(context);
        }
    }

    /// <summary>
    /// Whether a browser sent the request from another site: by its Sec-Fetch-Site header, or
    /// (older browsers) an Origin that is not this host. Clients other than browsers send neither.
    /// </summary>
    private static bool IsCrossSite(string fetchSite, string origin, string? host) =>
        fetchSite.Length > 0
            ? fetchSite is not ("same-origin" or "none")
            : origin.Length > 0 && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, host, StringComparison.OrdinalIgnoreCase));

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The key an Authorization header value carries (bearer, or Basic's password), or null.</summary>
    private static string? Presented(string authorization)
    {
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // user:password, any user name: the password is the key.
        string credentials;
        try
        {
            credentials = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return string.Empty;
        }

        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? string.Empty : credentials[(colon + 1)..];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused {Method} {Path}: no valid key")]
    private static partial void LogRefusedKey(ILogger logger, string method, PathString path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Method} {Path} to key {ApiKey}: it lacks scope {Scope}")]
    private static partial void LogMissingScope(ILogger logger, string apiKey, string scope, string method, PathString path);
}
