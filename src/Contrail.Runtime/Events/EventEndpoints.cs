using System.Text.Json;
using System.Text.Json.Nodes;
using Contrail.Auth;
using Contrail.Http;
using Contrail.Observability;
using Contrail.Queues;
using Contrail.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Contrail.Events;

/// <summary><c>POST /events</c>, <c>GET /events</c>, <c>GET /events/{id}</c>.</summary>
public static class EventEndpoints
{
    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/events").WithTags("Events");
        group.MapPost("", PostEvents).RequireAuthorization(Scopes.Ingest)
            .WithSummary("Send one event (a JSON object) or a batch of up to 100 (a JSON array)");
        group.MapGet("", ListEvents).RequireAuthorization(Scopes.Read).WithSummary("Accepted events, newest first");
        group.MapGet("/{id}", GetEvent).RequireAuthorization(Scopes.Read)
            .WithSummary("An event, its status, the rules it matched and what was delivered where");
        return app;
    }

    private static async Task<IResult> PostEvents(HttpRequest request, EventIngest ingest, TimeProvider time, CancellationToken ct)
    {
        var (document, problem) = await JsonBody.ReadAsync(request, JsonBody.DefaultLimit, ct);
        if (document is null) return problem!;
        using (document)
        {
            var root = document.RootElement;
            var context = new IngestContext(time.GetUtcNow(), ContrailTelemetry.CurrentTraceparent());
            try
            {
                if (root.ValueKind == JsonValueKind.Object)
                {
                    var idempotencyKey = request.Headers["Idempotency-Key"].ToString();
                    var outcome = await ingest.IngestAsync(root, idempotencyKey.Length > 0 ? idempotencyKey : null, context, ct);
                    return outcome.Status switch
                    {
                        IngestStatus.Accepted or IngestStatus.Duplicate => TypedResults.Json(new AcceptedEvent("accepted", outcome.EventId!), statusCode: StatusCodes.Status202Accepted),
                        IngestStatus.Conflict => Problems.Conflict($"Event id '{outcome.EventId}' was already used with a different body"),
                        _ => Problems.Validation(outcome.Errors, "The event is not valid"),
                    };
                }
                if (root.ValueKind == JsonValueKind.Array)
                {
                    var count = root.GetArrayLength();
                    if (count == 0) return Problems.Validation("", "the batch is empty; send 1 to 100 events");
                    if (count > EventIngest.MaxBatch) return Problems.Validation("", $"a batch holds at most {EventIngest.MaxBatch} events, not {count}");
                    var outcomes = await ingest.IngestBatchAsync(root, context, ct);
                    var results = new List<BatchResult>(outcomes.Length);
                    for (var i = 0; i < outcomes.Length; i++)
                    {
                        var o = outcomes[i];
                        results.Add(o.Status switch
                        {
                            IngestStatus.Accepted or IngestStatus.Duplicate => new BatchResult("accepted", o.EventId, null, null),
                            IngestStatus.Conflict => new BatchResult("conflict", o.EventId, null, "the event id was already used with a different body"),
                            _ => new BatchResult("rejected", null, o.Errors.Select(e => new PointerError(e.Pointer, e.Detail)).ToList(), null),
                        });
                    }
                    return TypedResults.Json(new BatchAccepted(results), statusCode: StatusCodes.Status202Accepted);
                }
                return Problems.Validation("", "the body must be a JSON object (one event) or an array of 1 to 100 events");
            }
            catch (StoreSaturatedException)
            {
                return Problems.Saturated();
            }
        }
    }

    private static IResult ListEvents(HttpRequest request, Store store, string? source, string? detail_type)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        long before = long.MaxValue;
        if (page.Position is not null && !long.TryParse(page.Position, out before)) return Problems.Validation("/cursor", "is not a cursor this server gave out");
        var rows = store.Read(r => r.EventList(before, source, detail_type, page.Limit + 1));
        return TypedResults.Ok(Page<EventSummary>.From(rows, page.Limit,
            e => new EventSummary(e.Id, JsonNode.Parse(e.Body)!, e.MatchedRules, DateTimeOffset.FromUnixTimeMilliseconds(e.ReceivedAt), e.ReplayName),
            e => e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static IResult GetEvent(string id, Store store)
    {
        var (stored, deliveries) = store.Read(r => (r.EventGet(id), r.MessageListForEvent(id)));
        if (stored is null) return Problems.NotFound($"No event with id '{id}'");
        var views = deliveries.Select(DeliveryView.From).ToList();
        var status = views.Count == 0 ? "accepted"
            : views.Any(d => d.State == "dead_lettered") ? "dead_lettered"
            : views.All(d => d.State == "delivered") ? "delivered"
            : views.Any(d => d.State is "expired" or "purged") ? "dropped"
            : "in_progress";
        return TypedResults.Ok(new EventDetail(stored.Id, status, JsonNode.Parse(stored.Body)!, stored.MatchedRules,
            DateTimeOffset.FromUnixTimeMilliseconds(stored.ReceivedAt), stored.ReplayName, views));
    }

    public sealed record AcceptedEvent(string Status, string EventId);
    public sealed record PointerError(string Pointer, string Detail);
    public sealed record BatchResult(string Status, string? EventId, IReadOnlyList<PointerError>? Errors, string? Detail);
    public sealed record BatchAccepted(IReadOnlyList<BatchResult> Results);
    public sealed record EventSummary(string Id, JsonNode Event, IReadOnlyList<string> MatchedRules, DateTimeOffset ReceivedAt, string? ReplayName);
    public sealed record EventDetail(string Id, string Status, JsonNode Event, IReadOnlyList<string> MatchedRules, DateTimeOffset ReceivedAt, string? ReplayName, IReadOnlyList<DeliveryView> Deliveries);

    public sealed record DeliveryView(string? Rule, string? Target, string Queue, string State, int ReceiveCount, string? LastError, DateTimeOffset? CompletedAt)
    {
        public static DeliveryView From(MessageDelivery d) => new(
            d.Headers?.GetValueOrDefault("rule"), d.Headers?.GetValueOrDefault("target"),
            d.SourceQueue ?? d.Queue,
            d.State switch
            {
                MessageState.Deleted => "delivered",
                MessageState.Expired => "expired",
                MessageState.Purged => "purged",
                // Moved to a queue's DLQ, or sent to a rule target's dead-letter queue (which records the error).
                _ when d.SourceQueue is not null || d.Headers?.ContainsKey(Bus.TargetDeadLetters.ErrorHeader) == true => "dead_lettered",
                _ when d.ReceiveCount > 0 => "in_flight",
                _ => "pending",
            },
            d.ReceiveCount, d.LastError, d.DoneAt is { } done ? DateTimeOffset.FromUnixTimeMilliseconds(done) : null);
    }
}
