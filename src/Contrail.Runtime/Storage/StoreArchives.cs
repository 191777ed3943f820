using System.Data.Common;
using Contrail.Archives;
using Contrail.Json;

namespace Contrail.Storage;

public partial class StoreReader
{
    private static StoredArchive ReadArchive(DbDataReader r) =>
        new(r.GetString(0), ContrailJson.Deserialize<Archive>(r.GetString(1))!, r.GetString(2), r.GetInt64(3), r.GetInt64(4));

    public StoredArchive? ArchiveGet(string name) => QueryFirst("ArchiveGet", ReadArchive, ("@name", name));

    public List<StoredArchive> ArchiveList(string after, int limit) => Query("ArchiveList", ReadArchive, ("@after", after), ("@limit", limit));

    public List<StoredArchive> ArchiveListAll() => Query("ArchiveListAll", ReadArchive);

    public ArchiveStats ArchiveStats(string archive) =>
        QueryFirst("ArchiveStats", r => new ArchiveStats(r.GetInt64(0), r.GetInt64(1), r.Int64OrNull(2), r.Int64OrNull(3)), ("@archive", archive))!;

    /// <summary>Entries whose payload file is not written yet, oldest first.</summary>
    public List<PendingArchiveEntry> ArchiveEntryListPending(int limit) =>
        Query("ArchiveEntryListPending", r => new PendingArchiveEntry(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3)), ("@limit", limit));

    /// <summary>Entries with an event time in [from, to) after the position (event time, seq), in that order.</summary>
    public List<ArchiveEntry> ArchiveEntryListRange(string archive, long from, long to, long afterTime, long afterSeq, int limit) =>
        Query("ArchiveEntryListRange", r => new ArchiveEntry(r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetString(3), r.StringOrNull(4)),
            ("@archive", archive), ("@from", from), ("@to", to), ("@after_time", afterTime), ("@after_seq", afterSeq), ("@limit", limit));

    public List<(long Seq, string Path)> ArchiveEntryListArchivedBefore(string archive, long before, int limit) =>
        Query("ArchiveEntryListArchivedBefore", r => (r.GetInt64(0), r.GetString(1)), ("@archive", archive), ("@before", before), ("@limit", limit));
}

public sealed partial class StoreWriter
{
    public void ArchiveUpsert(string name, Archive archive, string origin) =>
        Execute("ArchiveUpsert", ("@name", name), ("@definition", ContrailJson.Serialize(archive)), ("@origin", origin), ("@now", NowMs));

    /// <summary>Deletes an archive and its index; the caller removes its folder after the commit.</summary>
    public bool ArchiveDelete(string name)
    {
        Execute("ArchiveEntryDeleteForArchive", ("@archive", name));
        return Execute("ArchiveDelete", ("@name", name)) > 0;
    }

    /// <summary>Indexes an archived event with its payload, pending until the file is written.</summary>
    public void ArchiveEntryInsert(string archive, string eventId, long eventTime, string path, string body) =>
        Execute("ArchiveEntryInsert", ("@archive", archive), ("@event_id", eventId), ("@event_time", eventTime), ("@now", NowMs),
            ("@path", path), ("@size", (long)System.Text.Encoding.UTF8.GetByteCount(body)), ("@body", body));

    /// <summary>The payload file is written and synced: the row stops carrying it. False when the entry is gone.</summary>
    public bool ArchiveEntryMarkWritten(long seq) => Execute("ArchiveEntryMarkWritten", ("@seq", seq)) > 0;

    public void ArchiveEntryDelete(long seq) => Execute("ArchiveEntryDelete", ("@seq", seq));
}
