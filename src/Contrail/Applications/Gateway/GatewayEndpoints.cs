using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Contrail.Auth;
using Contrail.Bus;
using Contrail.Destinations;
using Contrail.Events;
using Contrail.Http;
using Contrail.Observability;
using Contrail.Storage;

namespace Contrail.Applications.Gateway;

/// <summary><c>POST /gateway/events</c>: seed 003's receiver, answered once the event and its delivery are committed.</summary>
public static class GatewayEndpoints
{
    /// <summary>SQS's message limit, which bounded the seed's events.</summary>
    public const long MaxBodyBytes = 256 * 1024;

    public const string Source = "contrail.gateway";
    public const string DetailType = "gateway.event";
    private const string IdempotencyScope = "gateway-event";

    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder app)
    {
        app.MapPost("/gateway/events", PostEvent).RequireAuthorization(Scopes.Ingest).WithTags("Gateway")
            .WithSummary("Send one event {id, name, body, timestamp}; 202 once committed, then delivered to the GraphQL endpoint");
        return app;
    }

    /// <summary>The seed's answer, plus the Contrail event id (see <c>GET /events/{event_id}</c> for its delivery).</summary>
    public sealed record EventReceived(string Message, string EventId);

    /// <summary>The dependencies of the route, as one parameter.</summary>
    public sealed record GatewayServices(Store Store, EventBus Bus, DestinationRegistry Destinations, GatewayStatus Status, TimeProvider Time);

    private static async Task<IResult> PostEvent(HttpRequest request, [AsParameters] GatewayServices services, CancellationToken ct)
    {
        var status = services.Status;
        if (!status.Available) return NotConfigured(status.Reason!);
        if (!services.Destinations.TryGet(GatewayApplication.DestinationName, out _))
            return NotConfigured("The gateway's destination could not be written at start-up; the server log says why.");

        var (document, problem) = await JsonBody.ReadAsync(request, MaxBodyBytes, ct);
        if (document is null) return problem!;
        GatewayEvent incoming;
        using (document)
        {
            if (!GatewayEvent.TryParse(document.RootElement, out incoming, out var errors))
                return Problems.Validation(errors, "Invalid payload");
        }

        var eventId = EventIds.New();
        var enriched = incoming.Enriched(status.Brand);
        var traceparent = ContrailTelemetry.CurrentTraceparent();
        var envelope = new EventEnvelope
        {
            Id = eventId,
            Source = Source,
            DetailType = DetailType,
            Time = services.Time.GetUtcNow(),
            Detail = enriched,
            Traceparent = traceparent,
        };
        var body = enriched.ToJsonString();
        var hash = incoming.Hash();
        Outcome outcome;
        try
        {
            outcome = await services.Store.WriteAsync(w =>
            {
                // Dedupe by the producer's id, in the transaction that accepts the event: a retry with the same
                // event gets the first answer; the same id with another event is refused.
                if (w.IdempotencyClaim(IdempotencyScope, incoming.Id, hash, eventId) is { } first)
                    return first.RequestHash is { } previous && CryptographicOperations.FixedTimeEquals(previous, hash)
                        ? new Outcome(first.Response ?? eventId, Conflict: false)
                        : new Outcome(first.Response ?? eventId, Conflict: true);
                services.Bus.Publish(w, envelope);
                DestinationDeliveries.Enqueue(w, GatewayApplication.DestinationName, body, incoming.Id, eventId,
                    new Dictionary<string, string> { ["traceparent"] = traceparent });
                return new Outcome(eventId, Conflict: false);
            }, failWhenSaturated: true, ct);
        }
        catch (StoreSaturatedException)
        {
            return Problems.Saturated();
        }
        if (outcome.Conflict) return Problems.Conflict($"Event id '{incoming.Id}' was already received with a different event");
        return TypedResults.Json(new EventReceived("Event received", outcome.EventId), statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult NotConfigured(string reason) =>
        Problems.Problem(StatusCodes.Status503ServiceUnavailable, "gateway-not-configured", "The gateway is not configured", reason);

    private readonly record struct Outcome(string EventId, bool Conflict);
}

/// <summary>
/// Seed 003's inbound event: <c>id</c>, <c>name</c>, <c>body</c> and <c>timestamp</c>, all strings and all
/// required; unknown keys are dropped, as zod did. Two departures from the seed, both toward what it meant:
/// <c>id</c> may not be empty (it deduplicates events) and is at most 256 characters.
/// </summary>
public readonly record struct GatewayEvent(string Id, string Name, string Body, string Timestamp)
{
    public const int MaxIdLength = 256;

    public static bool TryParse(JsonElement root, out GatewayEvent parsed, out List<FieldError> errors)
    {
        parsed = default;
        errors = [];
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new("", "the body must be a JSON object {id, name, body, timestamp}"));
            return false;
        }
        var id = Text(root, "id", errors);
        if (id is { Length: 0 }) errors.Add(new("/id", "must not be empty: the id deduplicates events"));
        else if (id is { Length: > MaxIdLength }) errors.Add(new("/id", $"must be at most {MaxIdLength} characters"));
        var name = Text(root, "name", errors);
        var body = Text(root, "body", errors, "must be a string (send structured data as JSON text)");
        var timestamp = Text(root, "timestamp", errors);
        if (timestamp is not null && !DateTimeOffset.TryParse(timestamp, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out _))
            errors.Add(new("/timestamp", "Invalid timestamp format: use a date such as 2025-01-15T08:00:00Z"));
        if (errors.Count > 0) return false;
        parsed = new GatewayEvent(id!, name!, body!, timestamp!);
        return true;
    }

    private static string? Text(JsonElement root, string name, List<FieldError> errors, string notString = "must be a string")
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new("/" + name, "required"));
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new("/" + name, notString));
            return null;
        }
        return value.GetString();
    }

    /// <summary>The event as it is delivered: the seed's enriched event, fields in its order.</summary>
    public JsonObject Enriched(string brand) => new()
    {
        ["id"] = Id, ["name"] = Name, ["body"] = Body, ["timestamp"] = Timestamp, ["brand"] = brand,
    };

    /// <summary>What "the same event" means for a retried id: the four fields (unknown keys are dropped, so they do not count).</summary>
    public byte[] Hash()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(Id);
            writer.WriteStringValue(Name);
            writer.WriteStringValue(Body);
            writer.WriteStringValue(Timestamp);
            writer.WriteEndArray();
        }
        return SHA256.HashData(buffer.WrittenSpan);
    }
}
