using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Access;

/// <summary>
/// Who may use the producer. With an access key set, only requests carrying it: as a bearer token
/// (scripts) or as the password of HTTP Basic (browsers ask for it once and send it with every
/// request of the page, images included); endpoints marked anonymous stay open. And, key or not,
/// changes only from the producer's own page or from outside a browser: a browser sends its
/// cached credentials, and reaches loopback, from any site it shows.
/// </summary>
public sealed class AccessMiddleware(RequestDelegate next, IOptions<AccessOptions> options)
{
    private const string Challenge = "Basic realm=\"ImageJobs\", charset=\"UTF-8\"";

    // Compared as hashes, in constant time: equal lengths, and nothing learnt from timing.
    private readonly byte[]? _keyHash = options.Value.Key is { Length: > 0 } key ? Hash(key) : null;

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        // First: another site's form must not even make the browser ask for the key.
        if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
            && IsCrossSite(request.Headers["Sec-Fetch-Site"].ToString(), request.Headers.Origin.ToString(), request.Host.Value))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }

        if (_keyHash is not null
            && context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is null
            && !Carries(request.Headers.Authorization.ToString(), _keyHash))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = Challenge;
            return Task.CompletedTask;
        }

        return next(context);
    }

    /// <summary>
    /// Whether a browser sent the request from another site: by its Sec-Fetch-Site header, or
    /// (older browsers) an Origin that is not this host. Clients other than browsers send neither.
    /// </summary>
    private static bool IsCrossSite(string fetchSite, string origin, string? host) =>
        fetchSite.Length > 0
            ? fetchSite is not ("same-origin" or "none")
            : origin.Length > 0 && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, host, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether an Authorization header value carries the key whose SHA-256 is <paramref name="keyHash"/>.</summary>
    private static bool Carries(string authorization, byte[] keyHash) =>
        Presented(authorization) is { } presented && CryptographicOperations.FixedTimeEquals(Hash(presented), keyHash);

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

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
            return null;
        }

        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : credentials[(colon + 1)..];
    }
}
