using System.Data.Common;
using Contrail.Workflows;

namespace Contrail.Storage;

public partial class StoreReader
{
    private static StoredStateMachine ReadStateMachine(DbDataReader r) =>
        new(r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt64(5), r.GetInt64(6));

    public StoredStateMachine? StateMachineGet(string name) => QueryFirst("StateMachineGet", ReadStateMachine, ("@name", name));

    public List<StoredStateMachine> StateMachineList(string after, int limit) =>
        Query("StateMachineList", ReadStateMachine, ("@after", after), ("@limit", limit));

    /// <summary>The type and definition of one version, or null.</summary>
    public (string Type, string Definition)? StateMachineVersionGet(string name, int version) =>
        QueryFirst<(string, string)?>("StateMachineVersionGet", r => (r.GetString(0), r.GetString(1)), ("@name", name), ("@version", version));

    private static StoredExecution ReadExecution(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetString(4), r.GetString(5), r.GetString(6), (byte[])r.GetValue(7),
        r.StringOrNull(8), r.StringOrNull(9), r.StringOrNull(10), r.GetInt64(11), r.Int64OrNull(12), r.Int64OrNull(13),
        r.GetInt64(14), r.GetInt64(15), r.GetInt64(16), r.StringOrNull(17), r.Int64OrNull(18), r.StringOrNull(19), r.StringOrNull(20),
        r.GetInt64(21) != 0, r.StringOrNull(22), r.StringOrNull(23));

    public StoredExecution? WorkflowExecutionGet(string id) => QueryFirst("WorkflowExecutionGet", ReadExecution, ("@id", id));

    public StoredExecution? WorkflowExecutionGetBySeq(long seq) => QueryFirst("WorkflowExecutionGetBySeq", ReadExecution, ("@seq", seq));

    /// <summary>Newest first, before <paramref name="beforeSeq"/>, optionally filtered.</summary>
    public List<ExecutionSummaryRow> WorkflowExecutionList(long beforeSeq, string? stateMachine, string? status, int limit) =>
        Query("WorkflowExecutionList", r => new ExecutionSummaryRow(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetString(4),
                r.GetString(5), r.GetInt64(6), r.Int64OrNull(7)),
            ("@before_seq", beforeSeq), ("@state_machine", stateMachine), ("@status", status), ("@limit", limit));

    public (bool Requested, string? Error, string? Cause) WorkflowExecutionStopRequest(long seq) =>
        QueryFirst("WorkflowExecutionStopRequest", r => (r.GetInt64(0) != 0, r.StringOrNull(1), r.StringOrNull(2)), ("@seq", seq));

    /// <summary>The earliest time an unclaimed running execution needs a runner, or null.</summary>
    public long? WorkflowExecutionNextWake() => Scalar<long?>("WorkflowExecutionNextWake", ("@now", NowMs));

    public List<StoredFrame> WorkflowFrameListActive(long execution) =>
        Query("WorkflowFrameListActive", r => new StoredFrame(r.GetString(0), r.StringOrNull(1), r.IsDBNull(2) ? null : r.GetInt32(2),
            r.GetString(3), r.StringOrNull(4), r.StringOrNull(5), r.StringOrNull(6)), ("@execution", execution));

    public ChildRowCounts WorkflowFrameChildCounts(long execution, string parent) =>
        QueryFirst("WorkflowFrameChildCounts", r => new ChildRowCounts(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3)),
            ("@execution", execution), ("@parent", parent));

    /// <summary>The next children not started yet, in index order.</summary>
    public List<PendingChildRow> WorkflowFramePendingNext(long execution, string parent, int fromIndex, int limit) =>
        Query("WorkflowFramePendingNext", r => new PendingChildRow(r.GetString(0), r.GetInt32(1), r.GetString(2)),
            ("@execution", execution), ("@parent", parent), ("@from", fromIndex), ("@limit", limit));

    /// <summary>The running frame waiting for <paramref name="taskToken"/>: its execution's seq, the frame id and its pending task.</summary>
    public (long Execution, string FrameId, string Task)? WorkflowFrameFindByToken(string taskToken) =>
        QueryFirst<(long, string, string)?>("WorkflowFrameFindByToken", r => (r.GetInt64(0), r.GetString(1), r.GetString(2)), ("@task_token", taskToken));

    public long? WorkflowFrameHeartbeatAt(long execution, string frameId) =>
        Scalar<long?>("WorkflowFrameHeartbeatAt", ("@execution", execution), ("@frame_id", frameId));

    public List<FinishedChildRow> WorkflowFrameFinishedList(long execution, string parent) =>
        Query("WorkflowFrameFinishedList", r => new FinishedChildRow(r.GetInt32(0), (FrameRowStatus)r.GetInt32(1), r.GetInt64(2), r.GetString(3)),
            ("@execution", execution), ("@parent", parent));

    public List<(string FrameId, string Completion)> WorkflowFrameListCompletions(long execution) =>
        Query("WorkflowFrameListCompletions", r => (r.GetString(0), r.GetString(1)), ("@execution", execution));

    /// <summary>History chunks holding events after <paramref name="afterEventId"/>, oldest first.</summary>
    public List<HistoryChunk> WorkflowHistoryAfter(long execution, long afterEventId, int limit) =>
        Query("WorkflowHistoryAfter", ReadChunk, ("@execution", execution), ("@after", afterEventId), ("@limit", limit));

    /// <summary>History chunks holding events before <paramref name="beforeEventId"/>, newest first.</summary>
    public List<HistoryChunk> WorkflowHistoryBefore(long execution, long beforeEventId, int limit) =>
        Query("WorkflowHistoryBefore", ReadChunk, ("@execution", execution), ("@before", beforeEventId), ("@limit", limit));

    private static HistoryChunk ReadChunk(DbDataReader r) => new(r.GetInt64(0), r.GetInt64(1), (byte[])r.GetValue(2));
}

public sealed partial class StoreWriter
{
    public int StateMachineLatestVersion(string name) => (int)(Scalar<long?>("StateMachineLatestVersion", ("@name", name)) ?? 0);

    /// <summary>Adds a version and makes it current (reviving a deleted state machine of that name).</summary>
    public void StateMachineSave(string name, int version, string type, string definition, string origin)
    {
        Execute("StateMachineVersionInsert", ("@name", name), ("@version", version), ("@type", type), ("@definition", definition), ("@now", NowMs));
        Execute("StateMachineSave", ("@name", name), ("@version", version), ("@origin", origin), ("@now", NowMs));
    }

    public bool StateMachineDelete(string name) => Execute("StateMachineDelete", ("@name", name), ("@now", NowMs)) > 0;

    public long WorkflowExecutionInsert(StoredExecution e, long? wakeAt, string? owner, long? leaseUntil) =>
        Scalar<long>("WorkflowExecutionInsert",
            ("@id", e.Id), ("@state_machine", e.StateMachine), ("@version", e.Version), ("@name", e.Name), ("@input", e.Input),
            ("@input_hash", e.InputHash), ("@started_at", e.StartedAt), ("@deadline", e.Deadline), ("@random_seed", e.RandomSeed),
            ("@started_by", e.StartedBy), ("@parent_seq", e.ParentSeq), ("@parent_frame", e.ParentFrame), ("@parent_task_key", e.ParentTaskKey),
            ("@wake_at", wakeAt), ("@owner", owner), ("@lease_until", leaseUntil));

    public void WorkflowExecutionSave(ExecutionProgress p) =>
        Execute("WorkflowExecutionSave",
            ("@seq", p.Seq), ("@status", p.Status), ("@output", p.Output), ("@error", p.Error), ("@cause", p.Cause), ("@stopped_at", p.StoppedAt),
            ("@last_event_id", p.LastEventId), ("@transitions", p.Transitions), ("@wake_at", p.WakeAt), ("@owner", p.Owner), ("@lease_until", p.LeaseUntil));

    /// <summary>Takes one execution for this runner; false when it is not running or another runner holds its lease.</summary>
    public bool WorkflowExecutionClaim(long seq, long leaseUntil) =>
        Query("WorkflowExecutionClaim", r => r.GetInt64(0), ("@owner", Owner), ("@lease_until", leaseUntil), ("@seq", seq), ("@now", NowMs)).Count > 0;

    /// <summary>Takes up to <paramref name="limit"/> unclaimed executions whose wake time is before <paramref name="due"/>.</summary>
    public List<long> WorkflowExecutionClaimDue(long due, long leaseUntil, int limit) =>
        Query("WorkflowExecutionClaimDue", r => r.GetInt64(0), ("@owner", Owner), ("@lease_until", leaseUntil), ("@now", NowMs), ("@due", due), ("@limit", limit));

    public int WorkflowExecutionRenewLeases(long leaseUntil) => Execute("WorkflowExecutionRenewLeases", ("@lease_until", leaseUntil), ("@owner", Owner));

    /// <summary>Frees the executions other processes held: only safe where no other process can run (SQLite's data-directory lock).</summary>
    public int WorkflowExecutionReleaseOrphaned() => Execute("WorkflowExecutionReleaseOrphaned", ("@owner", Owner), ("@now", NowMs));

    public bool WorkflowExecutionRequestStop(string id, string? error, string? cause) =>
        Execute("WorkflowExecutionRequestStop", ("@id", id), ("@error", error), ("@cause", cause), ("@now", NowMs)) > 0;

    public void WorkflowExecutionWake(long seq) => Execute("WorkflowExecutionWake", ("@seq", seq), ("@now", NowMs));

    /// <summary>Deletes up to <paramref name="limit"/> executions that ended before <paramref name="before"/>, with their history.</summary>
    public int WorkflowExecutionDeleteStoppedBefore(long before, int limit)
    {
        var deleted = Query("WorkflowExecutionDeleteStoppedBefore", r => r.GetInt64(0), ("@before", before), ("@limit", limit));
        foreach (var seq in deleted)
        {
            Execute("WorkflowHistoryDeleteForExecution", ("@execution", seq));
            Execute("WorkflowFrameDeleteAll", ("@execution", seq));
        }
        return deleted.Count;
    }

    public void WorkflowFrameSave(long execution, FrameRow row) =>
        Execute("WorkflowFrameSave",
            ("@execution", execution), ("@frame_id", row.FrameId), ("@parent_frame", row.ParentFrame), ("@child_index", row.ChildIndex),
            ("@status", (int)row.Status), ("@finished_seq", row.FinishedSeq), ("@wait_until", row.WaitUntil), ("@state", row.State),
            ("@task", row.Task), ("@batch", row.Batch), ("@task_token", row.TaskToken));

    public bool WorkflowFrameHeartbeat(string taskToken) => Execute("WorkflowFrameHeartbeat", ("@task_token", taskToken), ("@now", NowMs)) > 0;

    public void WorkflowFrameDelete(long execution, string frameId) => Execute("WorkflowFrameDelete", ("@execution", execution), ("@frame_id", frameId));

    /// <summary>Deletes every frame below <paramref name="frameId"/> (children, grandchildren, ...).</summary>
    public void WorkflowFrameDeleteDescendants(long execution, string frameId) =>
        Execute("WorkflowFrameDeleteDescendants", ("@execution", execution), ("@low", frameId + "/"), ("@high", frameId + "0"));

    public void WorkflowFrameDeleteAll(long execution) => Execute("WorkflowFrameDeleteAll", ("@execution", execution));

    /// <summary>Delivers an outcome to a frame from outside its runner; false when the frame has no row (ended, or not stored).</summary>
    public bool WorkflowFrameSetCompletion(long execution, string frameId, string completion) =>
        Execute("WorkflowFrameSetCompletion", ("@execution", execution), ("@frame_id", frameId), ("@completion", completion)) > 0;

    public void WorkflowFrameClearCompletion(long execution, string frameId) =>
        Execute("WorkflowFrameClearCompletion", ("@execution", execution), ("@frame_id", frameId));

    public void WorkflowHistoryInsert(long execution, long first, long last, byte[] events) =>
        Execute("WorkflowHistoryInsert", ("@execution", execution), ("@first", first), ("@last", last), ("@events", events));
}
