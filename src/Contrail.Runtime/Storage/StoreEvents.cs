using Contrail.Events;
using Contrail.Json;
using System.Data.Common;

namespace Contrail.Storage;

/// <summary>What an idempotency key was first used for.</summary>
public sealed record IdempotencyRecord(byte[]? RequestHash, string? Response);

public partial class StoreReader
{
    private static StoredEvent ReadEvent(DbDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2),
            r.IsDBNull(3) ? [] : ContrailJson.Deserialize<List<string>>(r.GetString(3))!, r.GetInt64(4), r.StringOrNull(5));

    public StoredEvent? EventGet(string id) => QueryFirst("EventGet", ReadEvent, ("@id", id));

    /// <summary>Newest first, before sequence <paramref name="beforeSeq"/>, optionally filtered.</summary>
    public List<StoredEvent> EventList(long beforeSeq, string? source, string? detailType, int limit) =>
        Query("EventList", ReadEvent, ("@before_seq", beforeSeq), ("@source", source), ("@detail_type", detailType), ("@limit", limit));

    public IdempotencyRecord? IdempotencyGet(string scope, string key) =>
        QueryFirst("IdempotencyGet", r => new IdempotencyRecord(r.BytesOrNull(0), r.StringOrNull(1)), ("@scope", scope), ("@key", key));
}

public sealed partial class StoreWriter
{
    /// <summary>Inserts an accepted event; its id must be new (check idempotency first).</summary>
    public void EventInsert(EventEnvelope envelope, string body, IReadOnlyList<string>? matchedRules) =>
        Execute("EventInsert",
            ("@id", envelope.Id), ("@source", envelope.Source), ("@detail_type", envelope.DetailType),
            ("@time", envelope.Time.ToUnixTimeMilliseconds()), ("@received_at", NowMs), ("@body", body),
            ("@matched_rules", matchedRules is { Count: > 0 } ? ContrailJson.Serialize(matchedRules) : null),
            ("@replay_name", envelope.ReplayName));

    public int EventDeleteReceivedBefore(long before, int limit) =>
        Execute("EventDeleteReceivedBefore", ("@before", before), ("@limit", limit));

    /// <summary>
    /// Claims an idempotency key. Returns null when the key is new (and records it with the response),
    /// otherwise what was recorded for it, for the caller to compare hashes.
    /// </summary>
    public IdempotencyRecord? IdempotencyClaim(string scope, string key, byte[]? requestHash, string? response)
    {
        if (Execute("IdempotencyInsert", ("@scope", scope), ("@key", key), ("@request_hash", requestHash), ("@response", response), ("@now", NowMs)) > 0)
            return null;
        return IdempotencyGet(scope, key);
    }

    public int IdempotencyDeleteCreatedBefore(long before) => Execute("IdempotencyDeleteCreatedBefore", ("@before", before));
}
