using Contrail.Workflows.Asl;

namespace Contrail.Workflows;

public sealed partial class WorkflowRunner
{
    /// <summary>Runs queued steps until none is left or the unit's budget is spent (the rest run in the next unit).</summary>
    private void Pump(Unit unit)
    {
        while (_ready.Count > 0 && !OverBudget(unit))
        {
            var step = _ready.Dequeue();
            var execution = step.Execution;
            execution.QueuedSteps--;
            var frame = step.Frame;
            if (execution.Ended || frame.Removed || step.Generation != frame.Generation) continue;
            unit.Touch(execution);
            unit.Steps++;
            try
            {
                RunStep(unit, execution, frame, step);
            }
            catch (Exception ex) when (ex is not WorkflowStepException)
            {
                throw new WorkflowStepException(execution.Seq, ex);
            }
        }
    }

    private void RunStep(Unit unit, ActiveExecution execution, ActiveFrame frame, Step step)
    {
        var definition = execution.Definition;
        var context = execution.Context;
        var now = _time.GetUtcNow();
        StepResult result;
        switch (step.Kind)
        {
            case StepKind.Advance:
                result = AslEngine.Advance(definition, context, frame.State, now);
                break;
            case StepKind.TaskResult:
                {
                    if (frame.Outcome is not { } received) return;
                    var outcome = received.ToOutcome();
                    frame.Outcome = null;
                    EndAsyncCall(execution, frame);
                    ClearTask(frame);
                    result = outcome.IsSuccess
                        ? AslEngine.ResumeWithTaskResult(definition, context, frame.State, outcome.Result ?? AslValue.Null, now)
                        : AslEngine.ResumeWithTaskError(definition, context, frame.State, outcome.Error ?? AslErrorNames.TaskFailed, outcome.Cause, now);
                    break;
                }
            case StepKind.TimerFired:
                result = AslEngine.ResumeAfterWait(definition, context, frame.State, now);
                break;
            case StepKind.CollectChildren:
                result = AslEngine.ResumeWithChildren(definition, context, frame.State, CollectOutcomes(unit, execution, frame), now);
                break;
            default:
                throw new InvalidOperationException("Unknown step " + step.Kind);
        }
        Apply(unit, execution, frame, result);
    }

    /// <summary>A pending task's outcome arrived: kept on the frame (and in its row) until the step that applies it runs.</summary>
    private void Resolve(ActiveExecution execution, ActiveFrame frame, TaskOutcome outcome)
    {
        if (frame.Task is null || frame.Outcome is not null) return;
        frame.Outcome = FrameCompletion.From(frame.Task.IdempotencyKey, outcome);
        frame.Dirty = true;
        Enqueue(execution, frame, StepKind.TaskResult);
    }

    private static void ClearTask(ActiveFrame frame)
    {
        frame.Task = null;
        frame.TaskKind = PendingTaskKind.None;
        frame.Function = null;
        frame.TaskDeadline = null;
        frame.HeartbeatDeadline = null;
        frame.ChildExecutionId = null;
    }

    /// <summary>Records a step's result and does what its action asks.</summary>
    private void Apply(Unit unit, ActiveExecution execution, ActiveFrame frame, StepResult result)
    {
        frame.State = result.Frame;
        frame.Generation++;
        frame.Dirty = true;
        if (result.Events.Count > 0) execution.Events.AddRange(result.Events);
        execution.Transitions += result.Transitions;
        switch (result.Action)
        {
            case ContinueAction:
                Enqueue(execution, frame, StepKind.Advance);
                break;
            case InvokeTaskAction invoke:
                StartTask(unit, execution, frame, invoke.Request);
                break;
            case WaitUntilAction wait:
                {
                    var until = wait.Until.ToUnixTimeMilliseconds();
                    if (until <= NowMs) Enqueue(execution, frame, StepKind.TimerFired);
                    else AddTimer(until, execution, frame, TimerKind.Wait);
                    break;
                }
            case StartChildrenAction start:
                BeginChildren(unit, execution, frame, start.Batch);
                break;
            case CompletedAction:
            case FailedAction:
                FrameEnded(unit, execution, frame);
                break;
            default:
                throw new InvalidOperationException("Unknown step action " + result.Action);
        }
    }

    private void AddFrame(ActiveExecution execution, ActiveFrame frame)
    {
        execution.Frames.Add(frame.Id, frame);
        if (++_activeFrames > _peakActiveFrames) Volatile.Write(ref _peakActiveFrames, _activeFrames);
    }

    private void RemoveFrame(ActiveExecution execution, ActiveFrame frame)
    {
        frame.Removed = true;
        if (execution.Frames.Remove(frame.Id)) _activeFrames--;
    }

    private void FrameEnded(Unit unit, ActiveExecution execution, ActiveFrame frame)
    {
        RemoveFrame(execution, frame);
        if (frame.Parent is null)
        {
            ExecutionEnded(unit, execution, frame.State);
            return;
        }
        ChildEnded(unit, execution, frame, ChildOutcome.From(frame.State, ++frame.Parent.Children!.Sequence));
    }

    private void ExecutionEnded(Unit unit, ActiveExecution execution, FrameState root)
    {
        if (execution.Status == ExecutionStatus.Running)
            execution.Status = root.Status switch
            {
                FrameStatus.Succeeded => ExecutionStatus.Succeeded,
                FrameStatus.Aborted => ExecutionStatus.Aborted,
                _ => ExecutionStatus.Failed,
            };
        execution.Output = root.Status == FrameStatus.Succeeded ? root.Output ?? AslValue.Null : null;
        execution.Error = root.Error;
        execution.Cause = root.Cause;
        execution.StoppedAt = NowMs;
        foreach (var left in execution.Frames.Values.ToList())
        {
            left.TaskCancel?.Cancel();
            RemoveFrame(execution, left);
        }
        unit.Ended.Add(execution.Id);
        if (execution.ParentSeq is { } parentSeq) NotifyParent(unit, execution, parentSeq);
    }

    // ------------------------------------------------------------------ children

    private void BeginChildren(Unit unit, ActiveExecution execution, ActiveFrame frame, ChildBatch batch)
    {
        var max = batch.MaxConcurrency <= 0 ? _options.MaxChildConcurrency : Math.Min(batch.MaxConcurrency, _options.MaxChildConcurrency);
        var info = new ChildBatchInfo
        {
            StateName = batch.StateName,
            Kind = batch.Kind,
            Count = batch.Children.Count,
            MaxConcurrency = max,
            ToleratedFailureCount = batch.ToleratedFailureCount,
            ToleratedFailurePercentage = batch.ToleratedFailurePercentage,
            Inherited = batch.Children.Count > 0 ? batch.Children[0].InheritedVariables : null,
        };
        frame.Children = new ChildRun(info) { Unstarted = [.. batch.Children] };
        Progress(unit, execution, frame);
    }

    /// <summary>Starts children while there is room, or queues the parent's resume once every child is accounted for.</summary>
    private void Progress(Unit unit, ActiveExecution execution, ActiveFrame parent)
    {
        var run = parent.Children!;
        if (run.Collecting) return;
        while (!run.Failing && run.Running < run.Info.MaxConcurrency && run.NextIndex < run.Info.Count)
            StartNextChild(unit, execution, parent, run);
        if (run.Running == 0 && (run.Failing || run.NextIndex >= run.Info.Count))
        {
            run.Collecting = true;
            Enqueue(execution, parent, StepKind.CollectChildren);
        }
    }

    private void StartNextChild(Unit unit, ActiveExecution execution, ActiveFrame parent, ChildRun run)
    {
        FrameState state;
        bool hasRow;
        if (run.Unstarted is { } unstarted)
        {
            state = unstarted[run.NextIndex];
            unstarted[run.NextIndex] = null!; // the frame lives on in the ActiveFrame; do not keep it twice
            hasRow = run.UnstartedInRows;
        }
        else
        {
            if (run.ReadAhead.Count == 0)
                foreach (var row in unit.Writer.WorkflowFramePendingNext(execution.Seq, parent.Id, run.NextIndex, 256))
                    run.ReadAhead.Enqueue(row);
            if (!run.ReadAhead.TryDequeue(out var next) || next.ChildIndex != run.NextIndex)
                throw new InvalidOperationException($"Child {run.NextIndex} of frame '{parent.Id}' has no pending row");
            state = WorkflowJson.Deserialize<FrameState>(next.State) with { InheritedVariables = run.Info.Inherited };
            hasRow = true;
        }
        var child = new ActiveFrame(state, parent) { HasRow = hasRow, Dirty = true };
        AddFrame(execution, child);
        run.NextIndex++;
        run.Running++;
        Enqueue(execution, child, StepKind.Advance);
    }

    private void ChildEnded(Unit unit, ActiveExecution execution, ActiveFrame child, ChildOutcome outcome)
    {
        var parent = child.Parent!;
        var run = parent.Children!;
        run.Running--;
        run.Outcomes.Add(outcome);
        run.OutcomeFrameIds.Add(child.Id);
        if (outcome.Status == ChildOutcomeStatus.Failed && !run.Failing && run.Info.FailsWith(++run.Failed))
        {
            run.Failing = true;
            AbortChildren(unit, execution, parent, null, null);
        }
        Progress(unit, execution, parent);
    }

    /// <summary>Aborts the running children of <paramref name="parent"/> (depth first): their outcome is "not run".</summary>
    private void AbortChildren(Unit unit, ActiveExecution execution, ActiveFrame parent, string? error, string? cause)
    {
        var run = parent.Children!;
        run.Failing = true;
        foreach (var child in execution.Frames.Values.Where(f => f.Parent == parent).ToList())
        {
            AbortFrame(unit, execution, child, error, cause);
            run.Running--;
            run.Outcomes.Add(new ChildOutcome(child.State.Index, ChildOutcomeStatus.NotRun, Sequence: ++run.Sequence));
            run.OutcomeFrameIds.Add(child.Id);
        }
    }

    /// <summary>Ends an unfinished frame as aborted: its children first, its task cancelled (a child execution is asked to stop).</summary>
    private void AbortFrame(Unit unit, ActiveExecution execution, ActiveFrame frame, string? error, string? cause)
    {
        if (frame.Children is { } run)
        {
            AbortChildren(unit, execution, frame, error, cause);
            run.Collecting = true;
        }
        if (frame.Task is not null)
        {
            frame.TaskCancel?.Cancel();
            EndAsyncCall(execution, frame);
            if (frame.TaskKind == PendingTaskKind.ChildExecution && frame.ChildExecutionId is { } child)
                StopChild(unit, child, "States.Aborted", "The parent's task was aborted.");
            ClearTask(frame);
            frame.Outcome = null;
        }
        var result = AslEngine.Abort(execution.Definition, execution.Context, frame.State, _time.GetUtcNow(), error, cause);
        frame.State = result.Frame;
        frame.Generation++;
        execution.Events.AddRange(result.Events);
        RemoveFrame(execution, frame);
    }

    /// <summary>Every child's outcome, from memory and from rows; children never started are "not run".</summary>
    private ChildOutcome[] CollectOutcomes(Unit unit, ActiveExecution execution, ActiveFrame parent)
    {
        var run = parent.Children!;
        var outcomes = new ChildOutcome[run.Info.Count];
        var seen = new bool[outcomes.Length];
        if (run.OutcomesInRows)
        {
            foreach (var row in unit.Writer.WorkflowFrameFinishedList(execution.Seq, parent.Id))
            {
                var stored = WorkflowJson.Deserialize<FinishedOutcome>(row.State);
                outcomes[row.ChildIndex] = row.Status switch
                {
                    FrameRowStatus.Succeeded => new ChildOutcome(row.ChildIndex, ChildOutcomeStatus.Succeeded, stored.Output ?? AslValue.Null, Sequence: row.FinishedSeq),
                    FrameRowStatus.Failed => new ChildOutcome(row.ChildIndex, ChildOutcomeStatus.Failed, null, stored.Error, stored.Cause, row.FinishedSeq),
                    _ => new ChildOutcome(row.ChildIndex, ChildOutcomeStatus.NotRun, Sequence: row.FinishedSeq),
                };
                seen[row.ChildIndex] = true;
            }
        }
        foreach (var outcome in run.Outcomes)
        {
            outcomes[outcome.Index] = outcome;
            seen[outcome.Index] = true;
        }
        for (var i = 0; i < outcomes.Length; i++)
            if (!seen[i]) outcomes[i] = new ChildOutcome(i, ChildOutcomeStatus.NotRun);
        if (run.UnstartedInRows || run.OutcomesInRows || run.OutcomesWritten > 0 || run.ChildRowsWritten)
            unit.Writer.WorkflowFrameDeleteDescendants(execution.Seq, parent.Id);
        parent.Children = null;
        return outcomes;
    }

    // ------------------------------------------------------------------ stopping

    /// <summary>Ends a running execution from outside its states: stopped (ABORTED) or past its TimeoutSeconds (TIMED_OUT).</summary>
    private void Stop(Unit unit, ActiveExecution execution, string status, string? error, string? cause)
    {
        if (execution.Ended) return;
        unit.Touch(execution);
        var root = execution.Frames.GetValueOrDefault("root");
        if (root is null)
        {
            // Not started yet (or its root row was lost): end it without events from the root.
            execution.Status = status;
            ExecutionEnded(unit, execution, new FrameState { FrameId = "root", Status = FrameStatus.Aborted, Error = error, Cause = cause });
            return;
        }
        foreach (var frame in execution.Frames.Values.Where(f => f.Parent == root).ToList())
            AbortFrame(unit, execution, frame, error, cause);
        if (root.Children is { } run)
        {
            run.Failing = true;
            run.Collecting = true;
        }
        if (root.Task is not null)
        {
            root.TaskCancel?.Cancel();
            EndAsyncCall(execution, root);
            if (root.TaskKind == PendingTaskKind.ChildExecution && root.ChildExecutionId is { } child)
                StopChild(unit, child, "States.Aborted", "The parent execution was stopped.");
            ClearTask(root);
            root.Outcome = null;
        }
        execution.Status = status;
        var now = _time.GetUtcNow();
        var result = status == ExecutionStatus.TimedOut
            ? AslEngine.TimeOut(execution.Definition, execution.Context, root.State, now)
            : AslEngine.Abort(execution.Definition, execution.Context, root.State, now, error, cause);
        root.State = result.Frame;
        root.Generation++;
        execution.Events.AddRange(result.Events);
        execution.Transitions += result.Transitions;
        RemoveFrame(execution, root);
        ExecutionEnded(unit, execution, root.State);
    }

    /// <summary>Asks a child execution to stop: at once when this runner holds it, else through its row.</summary>
    private void StopChild(Unit unit, string childId, string error, string cause)
    {
        var active = _active.Values.FirstOrDefault(e => e.Id == childId);
        if (active is not null)
        {
            Stop(unit, active, ExecutionStatus.Aborted, error, cause);
            return;
        }
        if (unit.Writer.WorkflowExecutionRequestStop(childId, error, cause) && unit.Writer.WorkflowExecutionGet(childId) is { } row)
            unit.WakeAfterCommit.Add(row.Seq);
    }
}
