using System.Text.Json;
using System.Text.Json.Nodes;
using Contrail.Auth;
using Contrail.Http;
using Contrail.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Contrail.Bus;

/// <summary>
/// The rules API. Rules written here have origin <c>api</c>; rules declared by applications or
/// configuration files are read-only here (409): their declaration is rewritten at every start, so an
/// edit through the API would silently come undone.
/// </summary>
public static class RuleEndpoints
{
    public static IEndpointRouteBuilder MapRules(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/rules").WithTags("Rules");
        group.MapGet("", ListRules).RequireAuthorization(Scopes.Read).WithSummary("Rules, by name");
        group.MapPost("/test-pattern", TestPattern).RequireAuthorization(Scopes.Read)
            .WithSummary("Whether an event pattern matches an event (AWS's TestEventPattern)");
        group.MapGet("/{name}", GetRule).RequireAuthorization(Scopes.Read).WithSummary("A rule");
        group.MapPut("/{name}", PutRule).RequireAuthorization(Scopes.Admin).WithSummary("Create or replace a rule; it routes from the next event on");
        group.MapDelete("/{name}", DeleteRule).RequireAuthorization(Scopes.Admin).WithSummary("Delete a rule");
        return app;
    }

    public sealed record RuleView(string Name, string? Description, JsonObject EventPattern, string State, IReadOnlyList<RuleTarget> Targets,
        string Origin, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public static RuleView From(StoredRule stored) => new(stored.Rule.Name, stored.Rule.Description, stored.Rule.EventPattern, stored.Rule.State,
            stored.Rule.Targets, stored.Origin, DateTimeOffset.FromUnixTimeMilliseconds(stored.CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(stored.UpdatedAt));
    }

    public sealed record TestResult(bool Result);

    private static IResult ListRules(HttpRequest request, Store store)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        var rows = store.Read(r => r.RuleList(page.Position ?? "", page.Limit + 1));
        return TypedResults.Ok(Page<RuleView>.From(rows, page.Limit, RuleView.From, r => r.Rule.Name));
    }

    private static IResult GetRule(string name, Store store) =>
        store.Read(r => r.RuleGet(name)) is { } rule ? TypedResults.Ok(RuleView.From(rule)) : Problems.NotFound($"No rule named '{name}'");

    private static async Task<IResult> PutRule(string name, HttpRequest request, Store store, EventBus bus, CancellationToken ct)
    {
        if (!RuleValidation.IsValidName(name)) return Problems.Validation("/name", RuleValidation.NameRule);
        var (body, problem) = await JsonBody.ReadAsync<RuleRequest>(request, ct);
        if (body is null) return problem!;
        var rule = body.ToRule(name, bus.Kinds, out var errors);
        if (rule is null) return Problems.Validation(errors, "The rule is not valid");
        var outcome = await store.WriteAsync(w =>
        {
            var existing = w.RuleGet(name);
            if (existing is not null && existing.Origin != Origins.Api) return existing.Origin;
            w.RuleUpsert(rule, Origins.Api);
            return existing is null ? "created" : "updated";
        }, ct: ct);
        if (outcome is not ("created" or "updated")) return Declared(name, outcome);
        bus.ReloadRules(store);
        var view = RuleView.From(store.Read(r => r.RuleGet(name))!);
        return outcome == "created" ? TypedResults.Created($"/rules/{name}", view) : TypedResults.Ok(view);
    }

    private static async Task<IResult> DeleteRule(string name, Store store, EventBus bus, CancellationToken ct)
    {
        var outcome = await store.WriteAsync(w =>
        {
            var existing = w.RuleGet(name);
            if (existing is null) return "missing";
            if (existing.Origin != Origins.Api) return existing.Origin;
            w.RuleDelete(name);
            return "deleted";
        }, ct: ct);
        if (outcome == "missing") return Problems.NotFound($"No rule named '{name}'");
        if (outcome != "deleted") return Declared(name, outcome);
        bus.ReloadRules(store);
        return TypedResults.NoContent();
    }

    /// <summary>The answer for a change to something an application or a configuration file declares.</summary>
    internal static IResult Declared(string what, string origin) => Problems.Conflict(origin == Origins.Config
        ? $"'{what}' is declared in a configuration file; change it there (files are read at start-up)"
        : $"'{what}' is declared by an application; it can only be changed in the application");

    private static async Task<IResult> TestPattern(HttpRequest request, CancellationToken ct)
    {
        var (document, problem) = await JsonBody.ReadAsync(request, JsonBody.DefaultLimit, ct);
        if (document is null) return problem!;
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Problems.Validation("", "the body must be a JSON object: {\"event_pattern\": ..., \"event\": ...}");
            root.TryGetProperty("event_pattern", out var pattern);
            root.TryGetProperty("event", out var evt);
            var result = PatternTester.Test(pattern, evt, out var errors);
            return result is { } matched ? TypedResults.Ok(new TestResult(matched)) : Problems.Validation(errors, "The pattern or the event is not valid");
        }
    }
}
