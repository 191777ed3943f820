using System.Security.Claims;
using System.Text.Encodings.Web;
using Contrail.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contrail.Auth;

/// <summary>
/// Authenticates <c>X-Api-Key</c> or <c>Authorization: Bearer</c> (and, for the console, its session
/// cookie). Answers 401 without a valid key and 403 without the scope, both as problem details.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeys keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ScopeClaim = "scope";
    public const string CookieName = "contrail_session";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Presented(Request);
        if (presented is null) return Task.FromResult(AuthenticateResult.NoResult());
        var key = keys.Authenticate(presented);
        if (key is null) return Task.FromResult(AuthenticateResult.Fail("The API key is not valid"));
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, key.Id), new(ClaimTypes.Name, key.Name) };
        foreach (var scope in key.Has(Scopes.Admin) ? Scopes.All : key.Scopes) claims.Add(new Claim(ScopeClaim, scope));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    internal static string? Presented(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-Api-Key", out var header) && header.ToString() is { Length: > 0 } apiKey) return apiKey;
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > 7) return authorization[7..].Trim();
        return request.Cookies.TryGetValue(CookieName, out var cookie) && cookie.Length > 0 ? cookie : null;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Problems.Problem(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized",
            "Send a valid API key in X-Api-Key or Authorization: Bearer").ExecuteAsync(Context);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Problem(StatusCodes.Status403Forbidden, "forbidden", "Forbidden",
            "The API key does not have the scope this route needs").ExecuteAsync(Context);
}
