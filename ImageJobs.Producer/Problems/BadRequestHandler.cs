using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace ImageJobs.Producer.Problems;

/// <summary>
/// A request the framework cannot bind (a wrong JSON type, an unknown enum name, a body of the
/// wrong kind, one too large) answered as problem details that name what is wrong, in every
/// environment: the JSON path and the reader's complaint, or the header or body at fault. The
/// minimal-API binder throws these (<see cref="RouteHandlerOptions.ThrowOnBadRequest"/> is set), so
/// they reach this handler instead of becoming a bare 400 or, behind the exception handler, a 500.
/// </summary>
public sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        var problem = new HttpValidationProblemDetails(Describe(bad))
        {
            Status = bad.StatusCode,
            Title = bad.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => "The request is too large.",
                StatusCodes.Status415UnsupportedMediaType => "The request's body is not of a kind this endpoint reads.",
                _ => "The request is malformed.",
            },
        };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem });
    }

    /// <summary>Where the problem is (a JSON path such as <c>items[2].style.color</c>, or <c>body</c>) and what it is.</summary>
    public static Dictionary<string, string[]> Describe(BadHttpRequestException exception)
    {
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException json)
            {
                return new() { [JsonField(json.Path)] = [JsonProblem(json)] };
            }
        }

        var field = exception.StatusCode == StatusCodes.Status415UnsupportedMediaType ? "Content-Type" : "body";
        return new() { [field] = [exception.Message] };
    }

    /// <summary>"$.items[2].style.color" as the request's field path; the whole body when the reader had no path.</summary>
    public static string JsonField(string? path) =>
        path is null or "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    // The reader's message ends with where it was ("Path: ... | LineNumber: ... | BytePositionInLine: ..."):
    // the path is the key already; line and position are kept for a body a person wrote.
    private static string JsonProblem(JsonException json)
    {
        var message = json.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        var what = cut < 0 ? message : message[..cut];
        return json.LineNumber is { } line && json.BytePositionInLine is { } position
            ? $"{what} (line {line + 1}, byte {position + 1})"
            : what;
    }
}
