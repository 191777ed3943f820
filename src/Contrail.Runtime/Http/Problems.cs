using Contrail.Events;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Contrail.Http;

/// <summary>RFC 9457 problem details with a machine <c>type</c>, a human <c>title</c> and, for input errors,
/// an <c>errors</c> list of <c>{pointer, detail}</c>.</summary>
public static class Problems
{
    public static IResult Validation(IEnumerable<FieldError> errors, string title = "The request is not valid") =>
        Problem(StatusCodes.Status400BadRequest, "validation", title, null,
            errors.Select(e => new Dictionary<string, string> { ["pointer"] = e.Pointer, ["detail"] = e.Detail }).ToList());

    public static IResult Validation(string pointer, string detail) => Validation([new FieldError(pointer, detail)]);

    public static IResult MalformedJson(string detail) =>
        Problem(StatusCodes.Status400BadRequest, "malformed-json", "The body is not valid JSON", detail,
            new List<Dictionary<string, string>> { new() { ["pointer"] = "", ["detail"] = detail } });

    public static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, "not-found", "Not found", detail);

    public static IResult Conflict(string detail) => Problem(StatusCodes.Status409Conflict, "conflict", "Conflict", detail);

    public static IResult TooLarge(long limit) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "too-large", "The body is too large", $"The limit is {limit} bytes");

    public static IResult Saturated(int retryAfterSeconds = 1) =>
        new RetryAfterResult(Problem(StatusCodes.Status503ServiceUnavailable, "saturated", "Contrail is saturated",
            "The write path is full; retry after the time in Retry-After"), retryAfterSeconds);

    public static IResult Unavailable(string detail, int retryAfterSeconds = 5) =>
        new RetryAfterResult(Problem(StatusCodes.Status503ServiceUnavailable, "unavailable", "Unavailable", detail), retryAfterSeconds);

    public static IResult Problem(int status, string type, string title, string? detail, object? errors = null)
    {
        var problem = new ProblemDetails { Status = status, Type = "urn:contrail:problem:" + type, Title = title, Detail = detail };
        if (errors is not null) problem.Extensions["errors"] = errors;
        return TypedResults.Problem(problem);
    }

    private sealed class RetryAfterResult(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
