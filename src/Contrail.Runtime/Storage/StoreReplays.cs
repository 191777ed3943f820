using System.Data.Common;
using Contrail.Archives;
using Contrail.Json;

namespace Contrail.Storage;

public partial class StoreReader
{
    private static StoredReplay ReadReplay(DbDataReader r) =>
        new(r.GetString(0), ContrailJson.Deserialize<Replay>(r.GetString(1))!, r.GetString(2), r.GetInt64(3), r.Int64OrNull(4),
            r.Int64OrNull(5), r.Int64OrNull(6), r.StringOrNull(7), r.GetInt64(8), r.GetInt64(9), r.Int64OrNull(10));

    public StoredReplay? ReplayGet(string name) => QueryFirst("ReplayGet", ReadReplay, ("@name", name));

    public List<StoredReplay> ReplayList(string after, int limit) => Query("ReplayList", ReadReplay, ("@after", after), ("@limit", limit));

    public List<StoredReplay> ReplayListInState(string state) => Query("ReplayListInState", ReadReplay, ("@state", state));
}

public sealed partial class StoreWriter
{
    /// <summary>Records a new replay as running; false when the name is taken.</summary>
    public bool ReplayInsert(string name, Replay replay) =>
        Execute("ReplayInsert", ("@name", name), ("@definition", ContrailJson.Serialize(replay)), ("@state", ReplayStates.Running), ("@now", NowMs)) > 0;

    /// <summary>
    /// Moves a running replay's position from <paramref name="fromSeq"/> (null: the start); false when it is no
    /// longer running (cancelled meanwhile) or has moved on from there (another process replayed that batch).
    /// </summary>
    public bool ReplayAdvance(string name, long? fromSeq, int replayed, long? lastEventTime, long positionTime, long positionSeq) =>
        Execute("ReplayAdvance", ("@name", name), ("@replayed", replayed), ("@last_event_time", lastEventTime),
            ("@position_time", positionTime), ("@position_seq", positionSeq), ("@now", NowMs), ("@from_seq", fromSeq ?? 0)) > 0;

    /// <summary>Ends a running replay in <paramref name="state"/>; false when it was not running.</summary>
    public bool ReplayEnd(string name, string state, string? reason) =>
        Execute("ReplayEnd", ("@name", name), ("@state", state), ("@reason", reason), ("@now", NowMs)) > 0;
}
