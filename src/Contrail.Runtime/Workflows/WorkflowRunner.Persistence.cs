using Contrail.Events;
using Contrail.Storage;
using Contrail.Workflows.Asl;

namespace Contrail.Workflows;

/// <summary>A frame's pending task as stored: the request, how it completes, and an outcome received but not applied yet.</summary>
internal sealed record PendingTask(TaskRequest Request, PendingTaskKind Kind, string? ChildExecutionId, FrameCompletion? Outcome);

public sealed partial class WorkflowRunner
{
    // ------------------------------------------------------------------ loading

    private void Load(Unit unit, long seq)
    {
        var w = unit.Writer;
        var row = w.WorkflowExecutionGetBySeq(seq);
        if (row is null || row.Status != ExecutionStatus.Running) return;
        Activate(unit, row, _registry.Definition(w, row.StateMachine, row.Version), w.WorkflowFrameListActive(seq));
    }

    /// <summary>
    /// Brings an execution into memory: a new one gets its root frame; a started one gets its frames back from their rows,
    /// each resuming from its last committed step (a Ready frame advances, a pending function call is made again with the
    /// same idempotency key, timers are re-armed, a Map resumes starting and collecting its children).
    /// </summary>
    private void Activate(Unit unit, StoredExecution row, AslDefinition definition, List<StoredFrame> frames)
    {
        if (_active.ContainsKey(row.Seq)) return;
        var ids = new SequentialHistoryEventIds(row.LastEventId);
        var input = AslValue.Parse(row.Input);
        var execution = new ActiveExecution
        {
            Seq = row.Seq,
            Id = row.Id,
            StateMachine = row.StateMachine,
            Version = row.Version,
            Definition = definition,
            Context = new ExecutionContextData(WorkflowArns.Execution(row.StateMachine, row.Name, definition.Type), row.Name, input,
                DateTimeOffset.FromUnixTimeMilliseconds(row.StartedAt), WorkflowArns.StateMachine(row.StateMachine), row.StateMachine)
            {
                Type = definition.Type,
                Region = EventEnvelope.DefaultRegion,
                RandomSeed = unchecked((ulong)row.RandomSeed),
                EventIds = ids,
            },
            EventIds = ids,
            Deadline = row.Deadline,
            ParentSeq = row.ParentSeq,
            ParentFrame = row.ParentFrame,
            ParentTaskKey = row.ParentTaskKey,
            Transitions = row.Transitions,
        };
        _active.Add(row.Seq, execution);
        Volatile.Write(ref _activeCount, _active.Count);
        unit.Touch(execution);
        if (execution.Deadline is { } deadline) AddTimer(deadline, execution, null, TimerKind.ExecutionDeadline);

        if (frames.Count == 0)
        {
            if (row.LastEventId != 0)
            {
                // Started, yet no frame is left: nothing can resume it (should not happen; never leave it running forever).
                execution.Status = ExecutionStatus.Failed;
                ExecutionEnded(unit, execution, new FrameState
                {
                    FrameId = "root",
                    Status = FrameStatus.Failed,
                    Error = "Contrail.InternalError",
                    Cause = "The execution's frames are missing from the store.",
                });
                return;
            }
            var root = new ActiveFrame(AslEngine.StartRoot(definition, execution.Context), null) { Dirty = true };
            AddFrame(execution, root);
            Enqueue(execution, root, StepKind.Advance);
            return;
        }

        execution.HasRows = true;
        // Parents before children: a child's id extends its parent's.
        frames.Sort((a, b) => a.FrameId.Length.CompareTo(b.FrameId.Length));
        foreach (var stored in frames)
        {
            ActiveFrame? parent = null;
            var state = WorkflowJson.Deserialize<FrameState>(stored.State);
            if (stored.ParentFrame is not null)
            {
                parent = execution.Frames.GetValueOrDefault(stored.ParentFrame)
                    ?? throw new InvalidOperationException($"Frame '{stored.FrameId}' of execution {row.Id} has no parent row");
                state = state with { InheritedVariables = parent.Children?.Info.Inherited };
            }
            var frame = new ActiveFrame(state, parent) { HasRow = true };
            if (stored.Batch is not null) frame.Children = new ChildRun(WorkflowJson.Deserialize<ChildBatchInfo>(stored.Batch)) { ChildRowsWritten = true };
            if (stored.Task is not null)
            {
                var pending = WorkflowJson.Deserialize<PendingTask>(stored.Task);
                frame.Task = pending.Request;
                frame.TaskKind = pending.Kind;
                frame.ChildExecutionId = pending.ChildExecutionId;
                frame.Outcome = pending.Outcome;
                if (pending.Request.TimeoutSeconds is { } timeout)
                    frame.TaskDeadline = pending.Request.ScheduledAt.ToUnixTimeMilliseconds() + timeout * 1000L;
            }
            AddFrame(execution, frame);
        }

        foreach (var frame in execution.Frames.Values.ToList())
        {
            switch (frame.State.Status)
            {
                case FrameStatus.Ready:
                    Enqueue(execution, frame, StepKind.Advance);
                    break;
                case FrameStatus.AwaitingTimer:
                    AddTimer(frame.State.WaitUntil!.Value.ToUnixTimeMilliseconds(), execution, frame, TimerKind.Wait);
                    break;
                case FrameStatus.AwaitingTask:
                    ResumeTask(unit, execution, frame);
                    break;
                case FrameStatus.AwaitingChildren:
                    {
                        var run = frame.Children!;
                        var counts = unit.Writer.WorkflowFrameChildCounts(execution.Seq, frame.Id);
                        run.NextIndex = run.Info.Count - (int)counts.Pending;
                        run.Running = execution.Frames.Values.Count(f => f.Parent == frame);
                        run.Failed = (int)counts.Failed;
                        run.Sequence = counts.MaxFinishedSeq;
                        run.UnstartedInRows = counts.Pending > 0;
                        run.OutcomesInRows = counts.Finished > 0;
                        run.Failing = run.Info.FailsWith(run.Failed);
                        break;
                    }
            }
        }
        // Only now that every child is counted: start more children, or collect them.
        foreach (var frame in execution.Frames.Values.Where(f => f.Children is not null).ToList())
            if (!frame.Removed) Progress(unit, execution, frame);
        Refresh(unit, execution);
    }

    /// <summary>A frame loaded while awaiting its task: apply an outcome that arrived before the crash, or wait (again) for it.</summary>
    private void ResumeTask(Unit unit, ActiveExecution execution, ActiveFrame frame)
    {
        if (frame.Outcome is not null)
        {
            Enqueue(execution, frame, StepKind.TaskResult);
            return;
        }
        var request = frame.Task!;
        switch (frame.TaskKind)
        {
            case PendingTaskKind.AsyncFunction:
                if (!_functions.TryGet(request.FunctionName!, out var function) || function.Async is null)
                {
                    Resolve(execution, frame, TaskOutcome.Failure("Lambda.ResourceNotFoundException",
                        $"Function not found: {request.FunctionName} (no asynchronous function is registered with that name)"));
                    return;
                }
                // At least once: the call may have happened before the crash; it is made again with the same idempotency key.
                frame.Function = function;
                frame.NeedsDispatch = true;
                execution.TasksInFlight++;
                unit.Dispatch.Add((execution, frame));
                ArmTaskTimers(execution, frame);
                break;
            case PendingTaskKind.ChildExecution:
                ArmTaskTimers(execution, frame);
                if (frame.ChildExecutionId is { } childId && unit.Writer.WorkflowExecutionGet(childId) is { Status: not ExecutionStatus.Running } child)
                    ApplyCompletion(unit, execution, frame, EndedChildCompletion(child, request));
                break;
            case PendingTaskKind.Callback:
                if (request.HeartbeatSeconds is { } heartbeat && unit.Writer.WorkflowFrameHeartbeatAt(execution.Seq, frame.Id) is { } beat)
                    frame.HeartbeatDeadline = Math.Max(beat, request.ScheduledAt.ToUnixTimeMilliseconds()) + heartbeat * 1000L;
                ArmTaskTimers(execution, frame);
                break;
            default:
                throw new InvalidOperationException($"Frame '{frame.Id}' awaits a task that is neither pending nor answered");
        }
    }

    // ------------------------------------------------------------------ writing

    /// <summary>
    /// Writes what the unit changed: rows of frames that outlive it (never of frames that began and ended inside it),
    /// children not started yet and finished children's outcomes while their parent waits, one history chunk and the row
    /// of each execution. An execution with nothing to do soon leaves memory; its row says when it needs a runner again.
    /// </summary>
    private void Flush(Unit unit)
    {
        var w = unit.Writer;
        var now = w.NowMs;
        foreach (var execution in unit.Touched)
        {
            execution.Touched = false;
            if (execution.Ended)
            {
                if (execution.HasRows) w.WorkflowFrameDeleteAll(execution.Seq);
                WriteHistory(w, execution);
                w.WorkflowExecutionSave(new ExecutionProgress(execution.Seq, execution.Status, execution.Output?.ToJsonString(), execution.Error,
                    execution.Cause, execution.StoppedAt, execution.EventIds.Last, execution.Transitions, null, null, null));
                _failures.Remove(execution.Seq);
                Evict(execution, reload: false);
                continue;
            }
            foreach (var frame in execution.Frames.Values)
            {
                if (frame.Dirty)
                {
                    w.WorkflowFrameSave(execution.Seq, Row(frame));
                    frame.Dirty = false;
                    frame.HasRow = true;
                    execution.HasRows = true;
                    if (frame.Parent?.Children is { } parentRun) parentRun.ChildRowsWritten = true;
                }
                if (frame.Children is { } run) FlushChildren(w, execution, frame, run);
            }
            WriteHistory(w, execution);
            var wake = NextWake(execution);
            var idle = execution.QueuedSteps == 0 && execution.TasksInFlight == 0
                && (wake is null || wake > now + (long)_options.TimerHorizon.TotalMilliseconds);
            if (idle)
            {
                w.WorkflowExecutionSave(Progress(execution, wake, null, null));
                Evict(execution, reload: false);
            }
            else
            {
                // Held in memory: a runner that takes over after a crash must look at it at once.
                w.WorkflowExecutionSave(Progress(execution, now, w.Owner, LeaseUntil(now)));
            }
        }
        unit.Touched.Clear();
    }

    private static ExecutionProgress Progress(ActiveExecution execution, long? wakeAt, string? owner, long? leaseUntil) =>
        new(execution.Seq, ExecutionStatus.Running, null, null, null, null, execution.EventIds.Last, execution.Transitions, wakeAt, owner, leaseUntil);

    private void FlushChildren(StoreWriter w, ActiveExecution execution, ActiveFrame parent, ChildRun run)
    {
        if (run.Unstarted is { } unstarted && !run.UnstartedInRows && run.NextIndex < run.Info.Count && !run.Collecting)
        {
            for (var i = run.NextIndex; i < unstarted.Length; i++)
            {
                var child = unstarted[i];
                w.WorkflowFrameSave(execution.Seq, new FrameRow(child.FrameId, parent.Id, i, FrameRowStatus.Pending, null, null,
                    WorkflowJson.Serialize(child with { InheritedVariables = null }), null, null, null));
            }
            run.UnstartedInRows = true;
            run.ChildRowsWritten = true;
            execution.HasRows = true;
            if (run.Info.Count > _options.MaxChildrenInMemory) run.Unstarted = null;
        }
        if (run.OutcomesWritten < run.Outcomes.Count)
        {
            for (var i = run.OutcomesWritten; i < run.Outcomes.Count; i++)
            {
                var outcome = run.Outcomes[i];
                var status = outcome.Status switch
                {
                    ChildOutcomeStatus.Succeeded => FrameRowStatus.Succeeded,
                    ChildOutcomeStatus.Failed => FrameRowStatus.Failed,
                    _ => FrameRowStatus.NotRun,
                };
                w.WorkflowFrameSave(execution.Seq, new FrameRow(run.OutcomeFrameIds[i], parent.Id, outcome.Index, status, outcome.Sequence, null,
                    WorkflowJson.Serialize(new FinishedOutcome(outcome.Output, outcome.Error, outcome.Cause)), null, null, null));
            }
            run.OutcomesWritten = run.Outcomes.Count;
            run.OutcomesInRows = true;
            run.ChildRowsWritten = true;
            execution.HasRows = true;
            if (run.Outcomes.Count > _options.MaxChildrenInMemory)
            {
                // In rows now; the parent reads them back when it collects.
                run.Outcomes.Clear();
                run.OutcomeFrameIds.Clear();
                run.OutcomesWritten = 0;
            }
        }
    }

    private static FrameRow Row(ActiveFrame frame) => new(
        frame.Id,
        frame.Parent?.Id,
        frame.Parent is null ? null : frame.State.Index,
        FrameRowStatus.Active,
        null,
        frame.State.WaitUntil?.ToUnixTimeMilliseconds() ?? frame.TaskDeadline,
        WorkflowJson.Serialize(frame.Parent is null ? frame.State : frame.State with { InheritedVariables = null }),
        frame.Task is null ? null : WorkflowJson.Serialize(new PendingTask(frame.Task, frame.TaskKind, frame.ChildExecutionId, frame.Outcome)),
        frame.Children is null ? null : WorkflowJson.Serialize(frame.Children.Info),
        frame.TaskKind == PendingTaskKind.Callback ? frame.Task!.TaskToken : null);

    private void WriteHistory(StoreWriter w, ActiveExecution execution)
    {
        var events = execution.Events;
        if (events.Count == 0) return;
        _history.Encode(events, (first, last, chunk) => w.WorkflowHistoryInsert(execution.Seq, first, last, chunk));
        events.Clear();
    }

    /// <summary>The earliest time the execution needs a runner without outside help: a timer, a task's deadline, its own deadline.</summary>
    private static long? NextWake(ActiveExecution execution)
    {
        var wake = execution.Deadline;
        foreach (var frame in execution.Frames.Values)
        {
            if (frame.State.Status == FrameStatus.AwaitingTimer) wake = Min(wake, frame.State.WaitUntil!.Value.ToUnixTimeMilliseconds());
            if (frame.TaskDeadline is { } deadline) wake = Min(wake, deadline);
            if (frame.HeartbeatDeadline is { } heartbeat) wake = Min(wake, heartbeat);
        }
        return wake;

        static long Min(long? a, long b) => a is { } x && x < b ? x : b;
    }
}
