using Contrail.Functions;
using Contrail.Workflows.Asl;

namespace Contrail.Workflows;

/// <summary>Execution statuses, as AWS names them.</summary>
public static class ExecutionStatus
{
    public const string Running = "RUNNING";
    public const string Succeeded = "SUCCEEDED";
    public const string Failed = "FAILED";
    public const string TimedOut = "TIMED_OUT";
    public const string Aborted = "ABORTED";

    public static readonly IReadOnlyList<string> All = [Running, Succeeded, Failed, TimedOut, Aborted];
}

/// <summary>
/// An execution a runner holds in memory: its definition and context, its unfinished frames, and what the current
/// transaction changed (events and rows to write). Only the runner touches it, one transaction at a time; whatever a
/// failed transaction changed is dropped with the whole object, and the execution is loaded again from its rows.
/// </summary>
internal sealed class ActiveExecution
{
    public required long Seq { get; init; }
    public required string Id { get; init; }
    public required string StateMachine { get; init; }
    public required int Version { get; init; }
    public required AslDefinition Definition { get; init; }
    public required ExecutionContextData Context { get; init; }
    public required SequentialHistoryEventIds EventIds { get; init; }
    public long? Deadline { get; init; }
    public long? ParentSeq { get; init; }
    public string? ParentFrame { get; init; }
    public string? ParentTaskKey { get; init; }

    public string Status { get; set; } = ExecutionStatus.Running;
    public AslValue? Output { get; set; }
    public string? Error { get; set; }
    public string? Cause { get; set; }
    public long? StoppedAt { get; set; }
    public long Transitions { get; set; }

    public readonly Dictionary<string, ActiveFrame> Frames = new(StringComparer.Ordinal);

    /// <summary>History events not written yet (the current transaction's), in id order.</summary>
    public readonly List<HistoryEvent> Events = new();

    /// <summary>Frames that have (or may have) a row: the execution's rows must be deleted when it ends.</summary>
    public bool HasRows { get; set; }

    /// <summary>Changed in the current transaction: the execution row must be written.</summary>
    public bool Touched { get; set; }

    /// <summary>Steps queued for its frames (it stays in memory while there are any).</summary>
    public int QueuedSteps { get; set; }

    /// <summary>Asynchronous function calls running for it.</summary>
    public int TasksInFlight { get; set; }

    public bool Ended => Status != ExecutionStatus.Running;
}

/// <summary>One unfinished frame of an active execution.</summary>
internal sealed class ActiveFrame(FrameState state, ActiveFrame? parent)
{
    public FrameState State { get; set; } = state;

    public ActiveFrame? Parent { get; } = parent;

    public string Id => State.FrameId;

    /// <summary>Bumped on every change, so that a queued step or timer for an older state is recognised and dropped.</summary>
    public int Generation { get; set; }

    /// <summary>The frame has a row in the store (status active or pending).</summary>
    public bool HasRow { get; set; }

    /// <summary>Changed in the current transaction: its row must be written.</summary>
    public bool Dirty { get; set; }

    /// <summary>Ended, aborted or collected: no longer part of the execution.</summary>
    public bool Removed { get; set; }

    /// <summary>The task it waits for (AwaitingTask).</summary>
    public TaskRequest? Task { get; set; }

    /// <summary>The pending task's outcome, received and not applied yet (written with the frame, so it survives a crash).</summary>
    public FrameCompletion? Outcome { get; set; }

    /// <summary>How the pending task completes.</summary>
    public PendingTaskKind TaskKind { get; set; }

    /// <summary>Cancels the running asynchronous call (timeout, abort, stop).</summary>
    public CancellationTokenSource? TaskCancel { get; set; }

    /// <summary>When the pending task times out (TimeoutSeconds), unix ms.</summary>
    public long? TaskDeadline { get; set; }

    /// <summary>When a callback task's heartbeat runs out (HeartbeatSeconds after the last heartbeat), unix ms.</summary>
    public long? HeartbeatDeadline { get; set; }

    /// <summary>The child execution a <c>states:startExecution.sync</c> task waits for.</summary>
    public string? ChildExecutionId { get; set; }

    /// <summary>Its children, while it awaits them.</summary>
    public ChildRun? Children { get; set; }

    /// <summary>The function of a pending asynchronous call, and whether it still has to be dispatched.</summary>
    public FunctionDefinition? Function { get; set; }
    public bool NeedsDispatch { get; set; }
}

/// <summary>How a pending task ends.</summary>
internal enum PendingTaskKind
{
    None,

    /// <summary>An asynchronous function call; its answer arrives in memory (or is made again after a crash).</summary>
    AsyncFunction,

    /// <summary>A child execution (<c>.sync</c>); its end is delivered to the frame's row.</summary>
    ChildExecution,

    /// <summary>A <c>.waitForTaskToken</c> callback; delivered to the frame's row by the callback API.</summary>
    Callback,
}

/// <summary>The children of a frame awaiting a Parallel or Map state.</summary>
internal sealed class ChildRun(ChildBatchInfo info)
{
    public ChildBatchInfo Info { get; } = info;

    /// <summary>Children not started yet, in memory (index = child index); null when they are only in rows.</summary>
    public FrameState[]? Unstarted { get; set; }

    /// <summary>Rows with status pending exist for the children from <see cref="NextIndex"/> on.</summary>
    public bool UnstartedInRows { get; set; }

    /// <summary>Pending rows read ahead of starting them.</summary>
    public Queue<PendingChildRow> ReadAhead { get; } = new();

    /// <summary>Children [0, NextIndex) have been started.</summary>
    public int NextIndex { get; set; }

    public int Running { get; set; }
    public int Failed { get; set; }

    /// <summary>Completion order of the children.</summary>
    public long Sequence { get; set; }

    /// <summary>The batch will fail: no more children start and the running ones are aborted.</summary>
    public bool Failing { get; set; }

    /// <summary>Outcomes in memory; those at or after <see cref="OutcomesWritten"/> have no row yet.</summary>
    public List<ChildOutcome> Outcomes { get; } = new();

    /// <summary>The frame id of each outcome in <see cref="Outcomes"/> (the key of its row).</summary>
    public List<string> OutcomeFrameIds { get; } = new();

    /// <summary>Some child has (or had) a row: the children's rows are deleted when the parent collects them.</summary>
    public bool ChildRowsWritten { get; set; }
    public int OutcomesWritten { get; set; }

    /// <summary>Some outcomes are only in rows (written and dropped from memory, or written by an earlier process).</summary>
    public bool OutcomesInRows { get; set; }

    /// <summary>A resume with the children's outcomes is queued.</summary>
    public bool Collecting { get; set; }
}
