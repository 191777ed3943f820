namespace Contrail.Workflows;

/// <summary>The current version of a state machine, as stored.</summary>
public sealed record StoredStateMachine(string Name, int Version, string Type, string Definition, string Origin, long CreatedAt, long UpdatedAt);

/// <summary>An execution row.</summary>
public sealed record StoredExecution(
    long Seq,
    string Id,
    string StateMachine,
    int Version,
    string Name,
    string Status,
    string Input,
    byte[] InputHash,
    string? Output,
    string? Error,
    string? Cause,
    long StartedAt,
    long? StoppedAt,
    long? Deadline,
    long RandomSeed,
    long LastEventId,
    long Transitions,
    string? StartedBy,
    long? ParentSeq,
    string? ParentFrame,
    string? ParentTaskKey,
    bool StopRequested,
    string? StopError,
    string? StopCause);

/// <summary>An execution in a list: no payloads.</summary>
public sealed record ExecutionSummaryRow(long Seq, string Id, string StateMachine, int Version, string Name, string Status, long StartedAt, long? StoppedAt);

/// <summary>What an execution row says after a transaction of steps.</summary>
public sealed record ExecutionProgress(
    long Seq,
    string Status,
    string? Output,
    string? Error,
    string? Cause,
    long? StoppedAt,
    long LastEventId,
    long Transitions,
    long? WakeAt,
    string? Owner,
    long? LeaseUntil);

/// <summary>Row status of a frame: what <c>workflow_frames.status</c> holds.</summary>
public enum FrameRowStatus
{
    /// <summary>A child of a Parallel or Map not started yet.</summary>
    Pending = 0,

    /// <summary>The root, or a running child.</summary>
    Active = 1,

    /// <summary>A child that ended and waits for its parent to collect it.</summary>
    Succeeded = 2,
    Failed = 3,
    NotRun = 4,
}

/// <summary>A frame row to write.</summary>
public sealed record FrameRow(
    string FrameId,
    string? ParentFrame,
    int? ChildIndex,
    FrameRowStatus Status,
    long? FinishedSeq,
    long? WaitUntil,
    string State,
    string? Task,
    string? Batch,
    string? TaskToken);

/// <summary>An unfinished frame as stored.</summary>
public sealed record StoredFrame(string FrameId, string? ParentFrame, int? ChildIndex, string State, string? Task, string? Batch, string? Completion);

/// <summary>A child not started yet.</summary>
public sealed record PendingChildRow(string FrameId, int ChildIndex, string State);

/// <summary>A child that ended, waiting for its parent.</summary>
public sealed record FinishedChildRow(int ChildIndex, FrameRowStatus Status, long FinishedSeq, string State);

/// <summary>Counts over a parent's child rows.</summary>
public readonly record struct ChildRowCounts(long Pending, long Finished, long Failed, long MaxFinishedSeq);

/// <summary>Consecutive history events of one execution.</summary>
public sealed record HistoryChunk(long FirstEventId, long LastEventId, byte[] Events);
