using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace ImageJobs.Producer.Access;

/// <summary>
/// Lets a request in only with the access key, as a bearer token (scripts) or as the password of
/// HTTP Basic (browsers ask for it once and send it with every request of the page, images
/// included). Endpoints marked anonymous (health probes) stay open.
/// </summary>
public sealed class AccessKeyMiddleware(RequestDelegate next, IOptions<AccessOptions> options)
{
    private const string Challenge = "Basic realm=\"ImageJobs\", charset=\"UTF-8\"";

    // Compared as hashes, in constant time: equal lengths, and nothing learnt from timing.
    private readonly byte[]? _keyHash = options.Value.Key is { Length: > 0 } key ? Hash(key) : null;

    public Task InvokeAsync(HttpContext context)
    {
        if (_keyHash is null
            || context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null
            || Carries(context.Request.Headers.Authorization.ToString(), _keyHash))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = Challenge;
        return Task.CompletedTask;
    }

    /// <summary>Whether an Authorization header value carries the key whose SHA-256 is <paramref name="keyHash"/>.</summary>
    public static bool Carries(string authorization, byte[] keyHash) =>
        Presented(authorization) is { } presented && CryptographicOperations.FixedTimeEquals(Hash(presented), keyHash);

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

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
