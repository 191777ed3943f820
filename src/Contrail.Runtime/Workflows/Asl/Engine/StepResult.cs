namespace Contrail.Workflows.Asl;

/// <summary>What a step produced: the frame's new state, what it needs next, the history events and the transition count.</summary>
public sealed class StepResult
{
    internal StepResult(FrameState frame, StepAction action, IReadOnlyList<HistoryEvent> events, int transitions)
    {
        Frame = frame;
        Action = action;
        Events = events;
        Transitions = transitions;
    }

    /// <summary>The frame after the step: persist it (with <see cref="Events"/>) in one transaction.</summary>
    public FrameState Frame { get; }

    public StepAction Action { get; }

    /// <summary>History events produced by the step, ids already assigned, in order.</summary>
    public IReadOnlyList<HistoryEvent> Events { get; }

    /// <summary>States entered during the step.</summary>
    public int Transitions { get; }
}

/// <summary>What the frame needs from the driver after a step.</summary>
public abstract record StepAction;

/// <summary>Perform the task, then call <see cref="AslEngine.ResumeWithTaskResult(AslDefinition, ExecutionContextData, FrameState, AslValue, DateTimeOffset)"/> or <see cref="AslEngine.ResumeWithTaskError"/>.</summary>
public sealed record InvokeTaskAction(TaskRequest Request) : StepAction;

/// <summary>Store a timer; at <see cref="Until"/> call <see cref="AslEngine.ResumeAfterWait"/>. The engine never sleeps.</summary>
public sealed record WaitUntilAction(DateTimeOffset Until, TimerPurpose Purpose) : StepAction;

/// <summary>Create and run <see cref="Batch"/>'s children, then call <see cref="AslEngine.ResumeWithChildren"/> with every outcome.</summary>
public sealed record StartChildrenAction(ChildBatch Batch) : StepAction;

/// <summary>The step hit its transition budget (a long loop of Pass/Choice states): persist and advance again.</summary>
public sealed record ContinueAction : StepAction
{
    public static readonly ContinueAction Instance = new();
}

/// <summary>The frame succeeded with <see cref="Output"/>.</summary>
public sealed record CompletedAction(AslValue Output) : StepAction;

/// <summary>The frame failed; <see cref="Error"/> and <see cref="Cause"/> may be null (a Fail state without them).</summary>
public sealed record FailedAction(string? Error, string? Cause) : StepAction;

/// <summary>A task to run, resolved but not executed.</summary>
public sealed record TaskRequest
{
    /// <summary>
    /// Stable across crashes and unique per invocation attempt: execution id, frame id (which carries every
    /// enclosing Map index and Parallel branch), state name with its visit number, and the attempt.
    /// Send it to the target (Idempotency-Key) and dedupe on it.
    /// </summary>
    public required string IdempotencyKey { get; init; }

    public required string ExecutionId { get; init; }
    public required string FrameId { get; init; }
    public required string StateName { get; init; }

    /// <summary>0 for the first attempt, then 1, 2, … for retries (= <c>$$.State.RetryCount</c>).</summary>
    public int Attempt { get; init; }

    /// <summary>The item index when the frame is a Map iteration (innermost), else null.</summary>
    public int? MapIndex { get; init; }

    public required TaskResource Resource { get; init; }

    /// <summary>
    /// The task's input: the evaluated Parameters (or the effective input when there are none). For
    /// <see cref="TaskResourceKind.LambdaInvoke"/> this is <c>{"FunctionName": …, "Payload": …}</c>.
    /// </summary>
    public required AslValue Input { get; init; }

    /// <summary>The function to call (from the resource, or from <c>Parameters.FunctionName</c> for lambda:invoke).</summary>
    public string? FunctionName { get; init; }

    public string? FunctionQualifier { get; init; }

    /// <summary>For lambda:invoke: the <c>Payload</c> parameter (null when absent).</summary>
    public AslValue? Payload { get; init; }

    public int? TimeoutSeconds { get; init; }
    public int? HeartbeatSeconds { get; init; }

    /// <summary>For <c>.waitForTaskToken</c>: the token the callback must present.</summary>
    public string? TaskToken { get; init; }

    public AslValue? Credentials { get; init; }
    public DateTimeOffset ScheduledAt { get; init; }
}

/// <summary>Which state started a batch of children.</summary>
public enum ChildBatchKind
{
    Parallel,
    InlineMap,
    DistributedMap,
}

/// <summary>The children of a Parallel or Map state, ready to advance, and how to run them.</summary>
public sealed record ChildBatch
{
    public required string StateName { get; init; }
    public required ChildBatchKind Kind { get; init; }

    /// <summary>One frame per branch or item, in order (index = position).</summary>
    public required IReadOnlyList<FrameState> Children { get; init; }

    /// <summary>How many children may run at once; 0 means no limit.</summary>
    public int MaxConcurrency { get; init; }

    /// <summary>Distributed Map only: failures tolerated (null when not set).</summary>
    public int? ToleratedFailureCount { get; init; }

    /// <summary>Distributed Map only: percentage of failures tolerated (null when not set).</summary>
    public double? ToleratedFailurePercentage { get; init; }

    /// <summary>
    /// Whether the parent will fail with <paramref name="failed"/> failures out of <see cref="Children"/>: the
    /// driver may then stop starting children and abort running ones (a Parallel or inline Map fails at the first
    /// failure; a distributed Map only once its tolerance is exceeded).
    /// </summary>
    public bool FailsWith(int failed)
    {
        if (failed == 0) return false;
        if (Kind != ChildBatchKind.DistributedMap) return true;
        if (ToleratedFailureCount is null && ToleratedFailurePercentage is null) return true;
        if (ToleratedFailureCount is { } count && failed > count) return true;
        if (ToleratedFailurePercentage is { } pct && Children.Count > 0 && failed * 100.0 / Children.Count > pct) return true;
        return false;
    }
}

/// <summary>How a child ended.</summary>
public enum ChildOutcomeStatus
{
    Succeeded,
    Failed,

    /// <summary>Never started or aborted (because the batch had already failed).</summary>
    NotRun,
}

/// <summary>One child's outcome, given back to the parent by the driver.</summary>
/// <param name="Index">The child's index in the batch.</param>
/// <param name="Sequence">Completion order (lower finished earlier); the earliest failure decides a Parallel/inline Map's error.</param>
public readonly record struct ChildOutcome(int Index, ChildOutcomeStatus Status, AslValue? Output = null, string? Error = null, string? Cause = null, long Sequence = 0)
{
    /// <summary>The outcome of a finished child frame.</summary>
    public static ChildOutcome From(FrameState child, long sequence = 0) => child.Status switch
    {
        FrameStatus.Succeeded => new ChildOutcome(child.Index, ChildOutcomeStatus.Succeeded, child.Output ?? AslValue.Null, Sequence: sequence),
        FrameStatus.Failed => new ChildOutcome(child.Index, ChildOutcomeStatus.Failed, null, child.Error, child.Cause, sequence),
        _ => new ChildOutcome(child.Index, ChildOutcomeStatus.NotRun, Sequence: sequence),
    };
}
