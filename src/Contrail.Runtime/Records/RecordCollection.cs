using System.Text.Json.Nodes;

namespace Contrail.Records;

/// <summary>
/// A named collection of JSON documents with secondary indexes, as a DynamoDB table with GSIs. Each index
/// extracts one string (or none) from a document; index entries are maintained on every write, in the
/// same transaction, so a query by index never sees a stale entry.
/// </summary>
public sealed class RecordCollection
{
    public RecordCollection(string name, params (string Index, Func<JsonObject, string?> Extract)[] indexes)
    {
        Name = name;
        Indexes = indexes;
    }

    public string Name { get; }

    public IReadOnlyList<(string Index, Func<JsonObject, string?> Extract)> Indexes { get; }

    /// <summary>An index that extracts a top-level string property of the same name.</summary>
    public static (string, Func<JsonObject, string?>) PropertyIndex(string property) =>
        (property, o => o[property] is JsonValue v && v.TryGetValue<string>(out var s) ? s : o[property]?.ToJsonString());
}

/// <summary>A document as stored, with its version (1 on insert, +1 per change).</summary>
public sealed record StoredRecord(string Key, JsonObject Value, long Version, long UpdatedAt);

/// <summary>One committed change to a record, as the change feed delivers it.</summary>
public sealed record RecordChange(long Seq, string Collection, string Key, JsonObject? OldValue, JsonObject? NewValue, long CommittedAt);

/// <summary>The outcome of a write: the version now stored, and whether anything changed.</summary>
public readonly record struct RecordWrite(long Version, bool Changed, JsonObject? OldValue);

/// <summary>The expected version did not match: someone else changed the record first.</summary>
public sealed class RecordVersionConflictException(string collection, string key, long? expected, long? actual)
    : Exception($"Record {collection}/{key} is at version {actual?.ToString() ?? "none"}, not {expected?.ToString() ?? "none"}");
