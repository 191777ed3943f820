using Contrail.Records;
using System.Data.Common;
using System.Text.Json.Nodes;

namespace Contrail.Storage;

public partial class StoreReader
{
    private static StoredRecord ReadRecord(DbDataReader r) =>
        new(r.GetString(0), JsonNode.Parse(r.GetString(1))!.AsObject(), r.GetInt64(2), r.GetInt64(3));

    public StoredRecord? RecordGet(string collection, string key) =>
        QueryFirst("RecordGet", r => new StoredRecord(key, JsonNode.Parse(r.GetString(0))!.AsObject(), r.GetInt64(1), r.GetInt64(2)),
            ("@collection", collection), ("@key", key));

    /// <summary>Documents ordered by key, after <paramref name="afterKey"/>.</summary>
    public List<StoredRecord> RecordList(string collection, string afterKey, int limit) =>
        Query("RecordList", ReadRecord, ("@collection", collection), ("@after", afterKey), ("@limit", limit));

    /// <summary>Documents whose index entry equals <paramref name="value"/>, ordered by key.</summary>
    public List<StoredRecord> RecordQueryByIndex(string collection, string index, string value, string afterKey, int limit) =>
        Query("RecordQueryByIndex", ReadRecord, ("@collection", collection), ("@index_name", index), ("@value", value), ("@after", afterKey), ("@limit", limit));

    public long RecordCountByIndex(string collection, string index, string value) =>
        Scalar<long>("RecordCountByIndex", ("@collection", collection), ("@index_name", index), ("@value", value));

    /// <summary>Changes after <paramref name="afterSeq"/> in commit order, optionally of one collection.</summary>
    public List<RecordChange> ChangeReadAfter(long afterSeq, string? collection, int limit) =>
        Query("ChangeReadAfter", r => new RecordChange(r.GetInt64(0), r.GetString(1), r.GetString(2),
                r.IsDBNull(3) ? null : JsonNode.Parse(r.GetString(3))!.AsObject(),
                r.IsDBNull(4) ? null : JsonNode.Parse(r.GetString(4))!.AsObject(), r.GetInt64(5)),
            ("@after", afterSeq), ("@collection", collection), ("@limit", limit));

    public long CheckpointGet(string name) => Scalar<long?>("CheckpointGet", ("@name", name)) ?? 0;
}

public sealed partial class StoreWriter
{
    /// <summary>
    /// Writes a document. An identical document is not a change: nothing is written and the change feed
    /// stays silent. Otherwise the index entries and one change-feed entry (old and new value) are
    /// written in this transaction. With <paramref name="expectedVersion"/> (0 for "must not exist"), a
    /// mismatch throws <see cref="RecordVersionConflictException"/>.
    /// </summary>
    public RecordWrite RecordPut(RecordCollection collection, string key, JsonObject value, long? expectedVersion = null)
    {
        var current = RecordGetForUpdate(collection.Name, key);
        if (expectedVersion is { } expected && (current?.Version ?? 0) != expected)
            throw new RecordVersionConflictException(collection.Name, key, expected, current?.Version);

        var json = value.ToJsonString();
        var oldJson = current?.Value.ToJsonString();
        if (oldJson == json) return new RecordWrite(current!.Version, false, current.Value);

        var now = NowMs;
        if (current is null)
            Execute("RecordInsert", ("@collection", collection.Name), ("@key", key), ("@value", json), ("@now", now));
        else
            Execute("RecordUpdate", ("@collection", collection.Name), ("@key", key), ("@value", json), ("@now", now));

        foreach (var (index, extract) in collection.Indexes)
        {
            var oldEntry = current is null ? null : extract(current.Value);
            var newEntry = extract(value);
            if (oldEntry == newEntry) continue;
            if (oldEntry is not null)
                Execute("RecordIndexDelete", ("@collection", collection.Name), ("@index_name", index), ("@value", oldEntry), ("@key", key));
            if (newEntry is not null)
                Execute("RecordIndexInsert", ("@collection", collection.Name), ("@index_name", index), ("@value", newEntry), ("@key", key));
        }

        ChangeAppend(collection.Name, key, oldJson, json);
        return new RecordWrite((current?.Version ?? 0) + 1, true, current?.Value);
    }

    /// <summary>Reads a document, changes it with <paramref name="update"/> and writes it back (null deletes it).</summary>
    public RecordWrite RecordUpdate(RecordCollection collection, string key, Func<JsonObject?, JsonObject?> update)
    {
        var current = RecordGetForUpdate(collection.Name, key);
        var next = update(current?.Value.DeepClone().AsObject());
        if (next is null)
        {
            if (current is not null) RecordDelete(collection, key);
            return new RecordWrite(0, current is not null, current?.Value);
        }
        return RecordPut(collection, key, next, current?.Version ?? 0);
    }

    public bool RecordDelete(RecordCollection collection, string key)
    {
        var current = RecordGetForUpdate(collection.Name, key);
        if (current is null) return false;
        foreach (var (index, extract) in collection.Indexes)
            if (extract(current.Value) is { } entry)
                Execute("RecordIndexDelete", ("@collection", collection.Name), ("@index_name", index), ("@value", entry), ("@key", key));
        Execute("RecordDelete", ("@collection", collection.Name), ("@key", key));
        ChangeAppend(collection.Name, key, current.Value.ToJsonString(), null);
        return true;
    }

    /// <summary>Reads the current document inside this write transaction (locking the row where the provider needs it).</summary>
    private StoredRecord? RecordGetForUpdate(string collection, string key) =>
        QueryFirst("RecordGetForUpdate", r => new StoredRecord(key, JsonNode.Parse(r.GetString(0))!.AsObject(), r.GetInt64(1), r.GetInt64(2)),
            ("@collection", collection), ("@key", key));

    private void ChangeAppend(string collection, string key, string? oldValue, string? newValue)
    {
        Execute("ChangeAppend", ("@collection", collection), ("@key", key), ("@old_value", oldValue), ("@new_value", newValue), ("@now", NowMs));
        _changesAppended = true;
    }

    /// <summary>Moves a change-feed consumer's position; commit it with the effects of the changes it consumed.</summary>
    public void CheckpointSet(string name, long position) =>
        Execute("CheckpointSet", ("@name", name), ("@position", position), ("@now", NowMs));

    public int ChangeDeleteCommittedBefore(long before, int limit) =>
        Execute("ChangeDeleteCommittedBefore", ("@before", before), ("@limit", limit));
}
