using ImageJobs.Producer.ApiReference;

namespace ImageJobs.Producer.Access;

/// <summary>
/// Headers on every response, errors included (set as the response starts, after any handler):
/// no content-type sniffing, and a page that runs only its own files. The page is plain files
/// from wwwroot with no inline script or style attribute, so the policy needs no exception; an
/// injected &lt;script&gt; or a stored "image" of HTML cannot run in this origin, where the browser
/// sends the access key. The API reference page (/docs) alone gets its own, slightly looser policy.
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next)
{
    public const string PagePolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        var response = context.Response;
        response.OnStarting(() =>
        {
            response.Headers.XContentTypeOptions = "nosniff";
            response.Headers.XFrameOptions = "DENY";
            response.Headers["Referrer-Policy"] = "same-origin";
            if (string.IsNullOrEmpty(response.Headers.ContentSecurityPolicy))
            {
                response.Headers.ContentSecurityPolicy = ApiDescription.PageNonce(context) is { } nonce ? ApiDescription.DocsPolicy(nonce) : PagePolicy;
            }

            return Task.CompletedTask;
        });
        return next(context);
    }
}
