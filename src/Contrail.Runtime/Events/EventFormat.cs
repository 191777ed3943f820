using System.Text.Json;
using Contrail.Storage;

namespace Contrail.Events;

/// <summary>
/// One request format accepted on <c>POST /events</c>. Formats are tried in <see cref="Order"/>; the first
/// that recognises an item (by its keys) parses it into an envelope or a list of problems.
/// </summary>
public sealed record EventFormat(
    string Name,
    int Order,
    Func<JsonElement, bool> Recognizes,
    Func<JsonElement, IngestContext, ParsedEvent> Parse);

/// <summary>What a format needs to build an envelope.</summary>
public sealed record IngestContext(DateTimeOffset Now, string? Traceparent);

/// <summary>A problem with a request, located by a JSON pointer (RFC 6901) into the request body.</summary>
public readonly record struct FieldError(string Pointer, string Detail)
{
    public FieldError Under(string prefix) => new(prefix + Pointer, Detail);
}

/// <summary>The outcome of parsing one item: an envelope ready to publish, or its problems.</summary>
public sealed class ParsedEvent
{
    private ParsedEvent(EventEnvelope? envelope, bool clientSuppliedId, IReadOnlyList<FieldError> errors, Action<StoreWriter, EventEnvelope>? inTransaction)
    {
        Envelope = envelope;
        ClientSuppliedId = clientSuppliedId;
        Errors = errors;
        InTransaction = inTransaction;
    }

    public EventEnvelope? Envelope { get; }

    /// <summary>The id came from the client, so a retry with it is recognised (idempotency).</summary>
    public bool ClientSuppliedId { get; }

    public IReadOnlyList<FieldError> Errors { get; }

    /// <summary>More work the format's application commits together with the event (a lifecycle record, ...).</summary>
    public Action<StoreWriter, EventEnvelope>? InTransaction { get; }

    public static ParsedEvent Accept(EventEnvelope envelope, bool clientSuppliedId, Action<StoreWriter, EventEnvelope>? inTransaction = null) =>
        new(envelope, clientSuppliedId, [], inTransaction);

    public static ParsedEvent Reject(IReadOnlyList<FieldError> errors) => new(null, false, errors, null);

    public static ParsedEvent Reject(string pointer, string detail) => Reject([new FieldError(pointer, detail)]);
}

/// <summary>Formats of applications that are not part of this build: recognised, so the client gets a clear answer.</summary>
public static class UnavailableFormat
{
    public static EventFormat For(string name, int order, string key, string detail) =>
        new(name, order, item => item.TryGetProperty(key, out _), (_, _) => ParsedEvent.Reject("/" + key, detail));
}
