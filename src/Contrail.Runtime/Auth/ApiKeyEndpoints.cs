using System.Text.Json;
using Contrail.Events;
using Contrail.Http;
using Contrail.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Contrail.Auth;

/// <summary>An API key as listed: never its secret, never its hash.</summary>
public sealed record ApiKeyInfo(string Id, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary><c>POST /api-keys</c> (the secret is in this answer and nowhere else, ever), <c>GET /api-keys</c>, <c>DELETE /api-keys/{id}</c>; admin only.</summary>
public static class ApiKeyEndpoints
{
    public const int MaxNameLength = 100;

    public static IEndpointRouteBuilder MapApiKeys(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api-keys").WithTags("API keys").RequireAuthorization(Scopes.Admin);
        group.MapPost("", CreateKey).WithSummary("Create a key; its secret is shown in this answer only");
        group.MapGet("", ListKeys).WithSummary("Keys (active ones; include_revoked=true for all), without secrets");
        group.MapDelete("/{id}", RevokeKey).WithSummary("Revoke a key; it stops working at once");
        return app;
    }

    public sealed record CreatedKey(string Id, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, string Key);

    private static async Task<IResult> CreateKey(HttpRequest request, ApiKeys keys, CancellationToken ct)
    {
        var (document, problem) = await JsonBody.ReadAsync(request, 64 * 1024, ct);
        if (document is null) return problem!;
        string? name;
        List<string> scopes;
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Problems.Validation("", "the body must be a JSON object: {\"name\": ..., \"scopes\": [...]}");
            var errors = new List<FieldError>();
            foreach (var property in root.EnumerateObject())
                if (property.Name is not ("name" or "scopes")) errors.Add(new("/" + property.Name, "unknown field; a key has name and scopes"));
            name = Name(root, errors);
            scopes = ScopeList(root, errors);
            if (errors.Count > 0) return Problems.Validation(errors, "The key is not valid");
        }
        var (key, secret) = await keys.CreateAsync(name!, scopes);
        return TypedResults.Created($"/api-keys/{key.Id}",
            new CreatedKey(key.Id, key.Name, key.Scopes, DateTimeOffset.FromUnixTimeMilliseconds(key.CreatedAt), secret));
    }

    private static string? Name(JsonElement root, List<FieldError> errors)
    {
        if (!root.TryGetProperty("name", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new("/name", "required: a name that says who or what uses the key"));
            return null;
        }
        var name = element.ValueKind == JsonValueKind.String ? element.GetString()!.Trim() : null;
        if (name is null or { Length: 0 } || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            errors.Add(new("/name", $"must be a string of 1-{MaxNameLength} characters without control characters"));
            return null;
        }
        return name;
    }

    private static List<string> ScopeList(JsonElement root, List<FieldError> errors)
    {
        var scopes = new List<string>();
        var allowed = string.Join(", ", Scopes.All);
        if (!root.TryGetProperty("scopes", out var element) || element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            errors.Add(new("/scopes", $"required: a non-empty array of scopes ({allowed})"));
            return scopes;
        }
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var scope = item.ValueKind == JsonValueKind.String ? item.GetString()! : null;
            if (scope is null || !Scopes.IsValid(scope)) errors.Add(new($"/scopes/{index}", $"must be one of {allowed}"));
            else if (scopes.Contains(scope)) errors.Add(new($"/scopes/{index}", $"'{scope}' is listed twice"));
            else scopes.Add(scope);
            index++;
        }
        return scopes;
    }

    private static IResult ListKeys(HttpRequest request, Store store, bool? include_revoked)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        var rows = store.Read(r => r.ApiKeyList(page.Position ?? "", include_revoked == true, page.Limit + 1));
        return TypedResults.Ok(Page<ApiKeyInfo>.From(rows, page.Limit, k => k, k => k.Id));
    }

    private static async Task<IResult> RevokeKey(string id, ApiKeys keys) =>
        await keys.RevokeAsync(id) ? TypedResults.NoContent() : Problems.NotFound($"No active API key with id '{id}'");
}
