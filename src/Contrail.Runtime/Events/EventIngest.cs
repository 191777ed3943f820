using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Contrail.Bus;
using Contrail.Storage;
using Microsoft.Extensions.Logging;

namespace Contrail.Events;

/// <summary>
/// Accepts events: recognises each item's format, validates it, and commits it with its deliveries in one
/// transaction. An item with a client-supplied id (or an Idempotency-Key) is idempotent: the same id with
/// the same body is accepted once and answered the same way again; with another body it is a conflict.
/// </summary>
public sealed class EventIngest
{
    public const int MaxBatch = 100;
    private const string IdScope = "event-id";
    private const string KeyScope = "idempotency-key";

    private readonly Store _store;
    private readonly EventBus _bus;
    private readonly EventFormat[] _formats;
    private readonly ILogger<EventIngest> _logger;

    public EventIngest(Store store, EventBus bus, IEnumerable<EventFormat> formats, ILogger<EventIngest> logger)
    {
        _store = store;
        _bus = bus;
        _formats = formats.OrderBy(f => f.Order).ToArray();
        _logger = logger;
    }

    public ParsedEvent Parse(JsonElement item, IngestContext context)
    {
        if (item.ValueKind != JsonValueKind.Object) return ParsedEvent.Reject("", "each event must be a JSON object");
        foreach (var format in _formats)
            if (format.Recognizes(item))
                return format.Parse(item, context);
        return ParsedEvent.Reject("", "the event's format is not recognised");
    }

    /// <summary>Ingests one event. Throws <see cref="StoreSaturatedException"/> when the write path is full.</summary>
    public async Task<IngestOutcome> IngestAsync(JsonElement item, string? idempotencyKey, IngestContext context, CancellationToken ct)
    {
        var parsed = Parse(item, context);
        if (parsed.Envelope is null) return IngestOutcome.Rejected(parsed.Errors);
        var hash = parsed.ClientSuppliedId || idempotencyKey is not null ? Hash(item) : null;
        var outcome = await _store.WriteAsync(w => Publish(w, parsed, hash, idempotencyKey), failWhenSaturated: true, ct).ConfigureAwait(false);
        Log(outcome);
        return outcome;
    }

    /// <summary>Ingests up to <see cref="MaxBatch"/> events in one transaction; each item gets its own outcome, in order.</summary>
    public async Task<IngestOutcome[]> IngestBatchAsync(JsonElement items, IngestContext context, CancellationToken ct)
    {
        var outcomes = new IngestOutcome[items.GetArrayLength()];
        var accepted = new List<(int Index, ParsedEvent Parsed, byte[]? Hash)>(outcomes.Length);
        var index = 0;
        foreach (var item in items.EnumerateArray())
        {
            var parsed = Parse(item, context);
            if (parsed.Envelope is null)
                outcomes[index] = IngestOutcome.Rejected(parsed.Errors);
            else
                accepted.Add((index, parsed, parsed.ClientSuppliedId ? Hash(item) : null));
            index++;
        }
        if (accepted.Count > 0)
        {
            var published = await _store.WriteAsync(w =>
            {
                var results = new IngestOutcome[accepted.Count];
                for (var i = 0; i < accepted.Count; i++) results[i] = Publish(w, accepted[i].Parsed, accepted[i].Hash, null);
                return results;
            }, failWhenSaturated: true, ct).ConfigureAwait(false);
            for (var i = 0; i < accepted.Count; i++)
            {
                outcomes[accepted[i].Index] = published[i];
                Log(published[i]);
            }
        }
        return outcomes;
    }

    private IngestOutcome Publish(StoreWriter writer, ParsedEvent parsed, byte[]? hash, string? idempotencyKey)
    {
        var envelope = parsed.Envelope!;
        var (scope, key) = parsed.ClientSuppliedId ? (IdScope, envelope.Id) : idempotencyKey is not null ? (KeyScope, idempotencyKey) : (null, null);
        if (scope is not null)
        {
            var existing = writer.IdempotencyClaim(scope, key!, hash, envelope.Id);
            if (existing is not null)
                return existing.RequestHash is { } previous && hash is not null && CryptographicOperations.FixedTimeEquals(previous, hash)
                    ? IngestOutcome.Duplicate(existing.Response ?? envelope.Id)
                    : IngestOutcome.Conflict(existing.Response ?? envelope.Id);
        }
        if (parsed.ClientSuppliedId && writer.EventGet(envelope.Id) is not null)
            return IngestOutcome.Conflict(envelope.Id);
        _bus.Publish(writer, envelope);
        parsed.InTransaction?.Invoke(writer, envelope);
        return IngestOutcome.Accepted(envelope.Id);
    }

    private static byte[] Hash(JsonElement item) => SHA256.HashData(JsonMarshal.GetRawUtf8Value(item));

    private void Log(IngestOutcome outcome)
    {
        if (outcome.Status == IngestStatus.Accepted) _logger.LogDebug("Event {EventId} accepted", outcome.EventId);
        else if (outcome.Status == IngestStatus.Duplicate) _logger.LogInformation("Event {EventId} was a duplicate; answered as before", outcome.EventId);
        else if (outcome.Status == IngestStatus.Conflict) _logger.LogWarning("Event {EventId} reused an id with a different body", outcome.EventId);
    }
}

public enum IngestStatus { Accepted, Duplicate, Rejected, Conflict }

public sealed record IngestOutcome(IngestStatus Status, string? EventId, IReadOnlyList<FieldError> Errors)
{
    public static IngestOutcome Accepted(string id) => new(IngestStatus.Accepted, id, []);
    public static IngestOutcome Duplicate(string id) => new(IngestStatus.Duplicate, id, []);
    public static IngestOutcome Conflict(string id) => new(IngestStatus.Conflict, id, []);
    public static IngestOutcome Rejected(IReadOnlyList<FieldError> errors) => new(IngestStatus.Rejected, null, errors);
}
