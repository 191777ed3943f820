using System.Data.Common;
using Contrail.Alarms;
using Contrail.Json;

namespace Contrail.Storage;

public partial class StoreReader
{
    private static StoredAlarm ReadAlarm(DbDataReader r) =>
        new(r.GetString(0), ContrailJson.Deserialize<Alarm>(r.GetString(1))!, r.GetString(2), r.GetString(3),
            r.IsDBNull(4) ? null : r.GetDouble(4), r.StringOrNull(5), r.GetInt64(6), r.GetInt64(7), r.GetInt64(8));

    public StoredAlarm? AlarmGet(string name) => QueryFirst("AlarmGet", ReadAlarm, ("@name", name));

    public List<StoredAlarm> AlarmList(string after, int limit) => Query("AlarmList", ReadAlarm, ("@after", after), ("@limit", limit));

    public List<StoredAlarm> AlarmListAll() => Query("AlarmListAll", ReadAlarm);

    /// <summary>An alarm's state changes, newest first.</summary>
    public List<AlarmTransition> AlarmHistoryList(string alarm, int limit) =>
        Query("AlarmHistoryList", r => new AlarmTransition(r.GetInt64(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetDouble(3), r.GetString(4)),
            ("@alarm", alarm), ("@limit", limit));
}

public sealed partial class StoreWriter
{
    /// <summary>Creates an alarm (in INSUFFICIENT_DATA) or changes its definition, keeping its state.</summary>
    public void AlarmUpsert(string name, Alarm alarm, string origin) =>
        Execute("AlarmUpsert", ("@name", name), ("@definition", ContrailJson.Serialize(alarm)), ("@origin", origin), ("@now", NowMs));

    public bool AlarmDelete(string name)
    {
        Execute("AlarmHistoryDeleteForAlarm", ("@alarm", name));
        return Execute("AlarmDelete", ("@name", name)) > 0;
    }

    /// <summary>
    /// Moves an alarm from <paramref name="oldState"/> to <paramref name="newState"/> and records the transition,
    /// keeping the newest <paramref name="keepHistory"/>. False (nothing written) when the alarm is not in the old state.
    /// </summary>
    public bool AlarmSetState(string name, string oldState, string newState, double? value, string reason, int keepHistory)
    {
        if (Execute("AlarmSetState", ("@name", name), ("@old_state", oldState), ("@state", newState), ("@value", value), ("@reason", reason), ("@now", NowMs)) == 0)
            return false;
        Execute("AlarmHistoryInsert", ("@alarm", name), ("@now", NowMs), ("@old_state", oldState), ("@new_state", newState), ("@value", value), ("@reason", reason));
        Execute("AlarmHistoryTrim", ("@alarm", name), ("@keep", keepHistory));
        return true;
    }
}
