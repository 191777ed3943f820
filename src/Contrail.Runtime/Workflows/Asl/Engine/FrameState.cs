using System.Text.Json.Serialization;

namespace Contrail.Workflows.Asl;

/// <summary>Where a frame is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FrameStatus>))]
public enum FrameStatus
{
    /// <summary>Can be advanced now (<see cref="AslEngine.Advance"/>).</summary>
    Ready,

    /// <summary>Waiting for the task in its <see cref="InvokeTaskAction"/> (resume with a result or an error).</summary>
    AwaitingTask,

    /// <summary>Waiting until <see cref="FrameState.WaitUntil"/> (a Wait state or a Retry back-off).</summary>
    AwaitingTimer,

    /// <summary>Waiting for the children of a Parallel or Map state (resume with their outcomes).</summary>
    AwaitingChildren,

    Succeeded,
    Failed,

    /// <summary>Stopped by the driver (a sibling failed, the execution was stopped or timed out).</summary>
    Aborted,
}

/// <summary>What a frame runs.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FrameKind>))]
public enum FrameKind
{
    /// <summary>The top-level States of the execution.</summary>
    Root,

    /// <summary>One branch of a Parallel state.</summary>
    ParallelBranch,

    /// <summary>One item of an inline Map state.</summary>
    MapIteration,

    /// <summary>One item of a DISTRIBUTED Map (a child execution on AWS: its events are not in the parent's history).</summary>
    MapRunItem,
}

/// <summary>Why a frame waits on a timer.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TimerPurpose>))]
public enum TimerPurpose
{
    None,
    WaitState,
    RetryBackoff,
}

/// <summary>
/// The whole persistent state of one frame: a small immutable record that round-trips through System.Text.Json.
/// The durable driver stores one row per frame and never replays history: load the row, call the engine, store
/// the returned frame and events in one transaction. The state's effective input is not stored: it is recomputed
/// from <see cref="Input"/> (InputPath is a pure function of input, context and variables).
/// </summary>
public sealed record FrameState
{
    /// <summary>Unique within the execution and stable across resumes: <c>root</c>, then <c>parent/State#visit.retry[index]</c>.</summary>
    public required string FrameId { get; init; }

    public FrameKind Kind { get; init; }

    /// <summary>Which state set runs (index into <see cref="AslDefinition.Graphs"/>).</summary>
    public int GraphIndex { get; init; }

    /// <summary>Branch index (Parallel) or item index (Map).</summary>
    public int Index { get; init; }

    /// <summary>The Parallel or Map state that created this frame (null for the root).</summary>
    public string? ParentState { get; init; }

    public FrameStatus Status { get; init; }

    /// <summary>False until the first <see cref="AslEngine.Advance"/> emitted the frame's start event.</summary>
    public bool Started { get; init; }

    /// <summary>The current state.</summary>
    public string? StateName { get; init; }

    /// <summary>Whether the current state's <c>…StateEntered</c> event was emitted (false: the state is entered on the next advance).</summary>
    public bool Entered { get; init; }

    /// <summary>The current state's raw input (before InputPath), needed for ResultPath.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AslValue? Input { get; init; }

    public DateTimeOffset EnteredTime { get; init; }
    public long EnteredEventId { get; init; }

    /// <summary>The id of the last event this frame produced (the next event's previousEventId).</summary>
    public long LastEventId { get; init; }

    /// <summary>How many states this frame has entered; identifies the current visit (loops re-enter states).</summary>
    public int Visit { get; init; }

    /// <summary>Retries of the current state so far (<c>$$.State.RetryCount</c>, and the task attempt number).</summary>
    public int RetryCount { get; init; }

    /// <summary>Retries used per retrier of the current state.</summary>
    public int[]? RetrierAttempts { get; init; }

    /// <summary>Variables assigned in this frame's scope.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AslObject? Variables { get; init; }

    /// <summary>
    /// Read-only snapshot of the outer scopes (Parallel branches and inline Map iterations read them; distributed
    /// Map items get none). Identical for all children of one state: a driver may store it once and re-attach it.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AslObject? InheritedVariables { get; init; }

    public TimerPurpose TimerPurpose { get; init; }
    public DateTimeOffset? WaitUntil { get; init; }

    /// <summary>The task token of the pending <c>.waitForTaskToken</c> task.</summary>
    public string? TaskToken { get; init; }

    /// <summary>Number of children started by the pending Parallel or Map state.</summary>
    public int ChildCount { get; init; }

    /// <summary>The frame's output once it succeeded.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AslValue? Output { get; init; }

    public string? Error { get; init; }
    public string? Cause { get; init; }

    /// <summary>States entered by this frame so far.</summary>
    public long Transitions { get; init; }

    public bool IsFinished => Status is FrameStatus.Succeeded or FrameStatus.Failed or FrameStatus.Aborted;
}
