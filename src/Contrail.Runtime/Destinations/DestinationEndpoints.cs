using System.Text.Json;
using Contrail.Auth;
using Contrail.Events;
using Contrail.Http;
using Contrail.Json;
using Contrail.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Contrail.Destinations;

/// <summary>The destination API: list, read, create or replace, delete. Secrets appear only as references.</summary>
public static class DestinationEndpoints
{
    public static IEndpointRouteBuilder MapDestinations(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/destinations").WithTags("Destinations");
        group.MapGet("", ListDestinations).RequireAuthorization(Scopes.Read).WithSummary("Destinations with their queue depths and recent calls");
        group.MapGet("/{name}", GetDestination).RequireAuthorization(Scopes.Read).WithSummary("A destination, its queue and DLQ depths, and its calls by outcome");
        group.MapPut("/{name}", PutDestination).RequireAuthorization(Scopes.Admin).WithSummary("Create or replace a destination (its delivery queue and DLQ with it)");
        group.MapDelete("/{name}", DeleteDestination).RequireAuthorization(Scopes.Admin).WithSummary("Delete a destination and its undelivered deliveries (its DLQ is kept)");
        return app;
    }

    /// <summary>A destination as the API shows it: the definition (auth only as a reference), origin, queues and health.</summary>
    public sealed record DestinationView(
        string Name, string Url, string Method, DestinationAuth? Auth, IReadOnlyDictionary<string, string>? Headers,
        RequestTemplateDefinition? Template, int RateLimitPerSecond, int Concurrency, double TimeoutSeconds, RetryPolicy Retry,
        int RetentionSeconds, string Origin, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string Queue, string? DeadLetterQueue,
        DestinationHealth Health);

    private static DestinationView View(StoreReader reader, DestinationMonitor monitor, StoredDestination stored)
    {
        var d = stored.Definition;
        var queue = DestinationDeliveries.QueueName(stored.Name);
        return new DestinationView(stored.Name, d.Url!, d.Method, d.Auth, d.Headers, d.Template, d.RateLimitPerSecond, d.Concurrency,
            d.TimeoutSeconds, d.Retry, d.RetentionSeconds, stored.Origin, DateTimeOffset.FromUnixTimeMilliseconds(stored.CreatedAt),
            DateTimeOffset.FromUnixTimeMilliseconds(stored.UpdatedAt), queue, reader.QueueGet(queue)?.Attributes.DeadLetterQueue,
            monitor.Health(reader, stored.Name));
    }

    private static IResult ListDestinations(HttpRequest request, Store store, DestinationMonitor monitor)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        return store.Read(r =>
        {
            var rows = r.DestinationList(page.Position ?? "", page.Limit + 1);
            return TypedResults.Ok(Page<DestinationView>.From(rows, page.Limit, d => View(r, monitor, d), d => d.Name));
        });
    }

    private static IResult GetDestination(string name, Store store, DestinationMonitor monitor)
    {
        var view = store.Read(r => r.DestinationGet(name) is { } stored ? View(r, monitor, stored) : null);
        return view is null ? Problems.NotFound($"No destination named '{name}'") : TypedResults.Ok(view);
    }

    private static async Task<IResult> PutDestination(string name, HttpRequest request, Store store, DestinationRegistry registry,
        DestinationMonitor monitor, SecretResolver secrets, CancellationToken ct)
    {
        if (!DestinationDefinition.IsValidName(name))
            return Problems.Validation("/name", $"a destination name is 1-{DestinationDefinition.MaxNameLength} letters, digits, '-', '_' or '.'");
        var (document, problem) = await JsonBody.ReadAsync(request, JsonBody.DefaultLimit, ct);
        if (document is null) return problem!;
        DestinationDefinition definition;
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Problems.Validation("", "the body must be a JSON object");
            var unknown = UnknownFields(root);
            if (unknown.Count > 0) return Problems.Validation(unknown, "The destination is not valid");
            try
            {
                definition = root.Deserialize<DestinationDefinition>(ContrailJson.Options)!;
            }
            catch (JsonException ex)
            {
                var pointer = ex.Path is { Length: > 1 } path ? "/" + path[2..].Replace('.', '/') : "";
                return Problems.Validation(pointer, ex.Message.Split(" Path:")[0]);
            }
        }
        var problems = definition.Problems(secrets.Resolve);
        if (problems.Count > 0) return Problems.Validation(problems, "The destination is not valid");

        var outcome = await store.WriteAsync(w =>
        {
            if (w.DestinationGet(name) is { Origin: Destination.OriginApplication }) return (Created: false, Managed: true);
            return (Created: registry.Upsert(w, name, definition, Destination.OriginApi), Managed: false);
        }, ct: ct);
        if (outcome.Managed) return ManagedByApplication(name);
        var view = store.Read(r => View(r, monitor, r.DestinationGet(name)!));
        return outcome.Created ? TypedResults.Created($"/destinations/{name}", view) : TypedResults.Ok(view);
    }

    private static async Task<IResult> DeleteDestination(string name, Store store, DestinationRegistry registry, CancellationToken ct)
    {
        var outcome = await store.WriteAsync(w => w.DestinationGet(name) switch
        {
            null => "missing",
            { Origin: Destination.OriginApplication } => "managed",
            _ => registry.Delete(w, name) ? "deleted" : "missing",
        }, ct: ct);
        return outcome switch
        {
            "deleted" => TypedResults.NoContent(),
            "managed" => ManagedByApplication(name),
            _ => Problems.NotFound($"No destination named '{name}'"),
        };
    }

    private static IResult ManagedByApplication(string name) =>
        Problems.Conflict($"Destination '{name}' is defined by an application's configuration and is rewritten at every start; change it there");

    private static readonly string[] TopFields =
        ["url", "method", "auth", "headers", "template", "rate_limit_per_second", "concurrency", "timeout_seconds", "retry", "retention_seconds"];
    private static readonly string[] AuthFields = ["type", "header_name", "secret"];
    private static readonly string[] TemplateFields = ["type", "body", "query", "variables", "operation_name"];
    private static readonly string[] RetryFields = ["max_attempts", "base_delay_seconds", "max_delay_seconds"];

    /// <summary>Every field the definition does not have, so a misspelt setting is reported instead of silently defaulted.</summary>
    private static List<FieldError> UnknownFields(JsonElement root)
    {
        var errors = new List<FieldError>();
        Check(root, "", TopFields);
        if (root.TryGetProperty("auth", out var auth)) Check(auth, "/auth", AuthFields);
        if (root.TryGetProperty("template", out var template)) Check(template, "/template", TemplateFields);
        if (root.TryGetProperty("retry", out var retry)) Check(retry, "/retry", RetryFields);
        return errors;

        void Check(JsonElement element, string pointer, string[] known)
        {
            if (element.ValueKind != JsonValueKind.Object) return;
            foreach (var property in element.EnumerateObject())
                if (!known.Contains(property.Name))
                    errors.Add(new($"{pointer}/{property.Name}", $"unknown field; expected one of {string.Join(", ", known)}"));
        }
    }
}
