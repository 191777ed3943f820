using System.Diagnostics;
using Contrail.Storage;
using Contrail.Workflows.Asl;
using Microsoft.Extensions.Logging;

namespace Contrail.Workflows;

public sealed partial class WorkflowRunner
{
    /// <summary>What one unit of work did, for the loop to act on once it committed.</summary>
    private sealed class Unit(StoreWriter writer, long startedAt)
    {
        public StoreWriter Writer { get; } = writer;
        public long StartedAt { get; } = startedAt;
        public int Steps { get; set; }
        public readonly List<ActiveExecution> Touched = new();
        public readonly List<(StartCommand Command, StartResult? Result, Exception? Error)> Starts = new();
        public readonly List<(ActiveExecution Execution, ActiveFrame Frame)> Dispatch = new();
        public readonly List<string> Ended = new();
        public readonly List<long> WakeAfterCommit = new();

        public void Touch(ActiveExecution execution)
        {
            if (execution.Touched) return;
            execution.Touched = true;
            Touched.Add(execution);
        }
    }

    private async Task RunUnitAsync(List<Command> commands, bool poll, bool renew, CancellationToken stopping)
    {
        Unit? unit = null;
        try
        {
            unit = await _store.WriteAsync(w =>
            {
                var u = new Unit(w, Stopwatch.GetTimestamp());
                RunUnit(u, commands, poll, renew);
                return u;
            }, ct: stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            RecoverFromFailedUnit(commands, ex);
            return;
        }
        Interlocked.Increment(ref _transactions);
        foreach (var (command, result, error) in unit.Starts)
        {
            if (error is not null) command.Completion.TrySetException(error);
            else command.Completion.TrySetResult(result!);
        }
        foreach (var (execution, frame) in unit.Dispatch) DispatchTask(execution, frame);
        foreach (var id in unit.Ended) NotifyEnded(id);
        foreach (var seq in unit.WakeAfterCommit) Wake(seq);
    }

    /// <summary>
    /// A unit failed and nothing of it committed: every execution it may have changed in memory is dropped and loaded again
    /// from its rows; an execution whose steps keep failing is failed on its own, so that it cannot stop the others.
    /// </summary>
    private void RecoverFromFailedUnit(List<Command> commands, Exception ex)
    {
        _logger.LogError(ex, "A workflow unit of work failed; its executions are reloaded from the store");
        foreach (var command in commands)
        {
            switch (command)
            {
                case StartCommand start: start.Completion.TrySetException(ex); break;
                case WakeCommand wake: _toLoad.Add(wake.Seq); break;
                case TaskDoneCommand done: _inbox.Enqueue(done); break; // applied to the reloaded frame if it still waits for it
            }
        }
        foreach (var execution in _active.Values.Where(e => e.Touched).ToList()) Evict(execution, reload: true);
        foreach (var execution in _active.Values) execution.Touched = false;
        _ready.Clear();
        foreach (var execution in _active.Values) execution.QueuedSteps = 0;
        // Executions still in memory lost their queued steps: reload them too (their rows are what counts).
        foreach (var execution in _active.Values.ToList()) Evict(execution, reload: true);
        if (ex is WorkflowStepException step)
        {
            var failures = _failures[step.Seq] = _failures.GetValueOrDefault(step.Seq) + 1;
            if (failures >= 3) _logger.LogError(step.InnerException, "Execution {Seq} failed {Failures} times in a row; it will be failed", step.Seq, failures);
        }
    }

    private void Evict(ActiveExecution execution, bool reload)
    {
        foreach (var frame in execution.Frames.Values) frame.TaskCancel?.Cancel();
        _activeFrames -= execution.Frames.Count;
        _active.Remove(execution.Seq);
        Volatile.Write(ref _activeCount, _active.Count);
        if (reload) _toLoad.Add(execution.Seq);
    }

    private void RunUnit(Unit unit, List<Command> commands, bool poll, bool renew)
    {
        var w = unit.Writer;
        var now = w.NowMs;
        if (renew) w.WorkflowExecutionRenewLeases(now + (long)_options.LeaseDuration.TotalMilliseconds);
        foreach (var seq in _failures.Where(f => f.Value >= 3).Select(f => f.Key).ToList())
        {
            FailPoisoned(unit, seq);
            _failures.Remove(seq);
        }

        foreach (var command in commands)
        {
            switch (command)
            {
                case StartCommand start: RunStart(unit, start); break;
                case WakeCommand wake: WakeExecution(unit, wake.Seq); break;
                case TaskDoneCommand done: TaskDone(unit, done); break;
            }
        }
        foreach (var seq in _toLoad.ToList())
        {
            if (_active.Count >= _options.MaxActiveExecutions) break;
            _toLoad.Remove(seq);
            if (!_active.ContainsKey(seq) && w.WorkflowExecutionClaim(seq, LeaseUntil(now))) Load(unit, seq);
        }
        FireTimers(unit, now);
        if (poll)
        {
            var room = _options.MaxActiveExecutions - _active.Count;
            if (room > 0)
            {
                var claimed = w.WorkflowExecutionClaimDue(now + (long)_options.TimerHorizon.TotalMilliseconds, LeaseUntil(now), Math.Min(room, 500));
                foreach (var seq in claimed)
                    if (!_active.ContainsKey(seq)) Load(unit, seq);
                if (claimed.Count == Math.Min(room, 500)) _nextPoll = 0; // more are due: claim again next turn
            }
        }
        Pump(unit);
        Flush(unit);
    }

    private long LeaseUntil(long now) => now + (long)_options.LeaseDuration.TotalMilliseconds;

    private bool OverBudget(Unit unit) =>
        unit.Steps >= _options.MaxStepsPerTransaction || Stopwatch.GetElapsedTime(unit.StartedAt) >= _options.MaxTransactionTime;

    private void RunStart(Unit unit, StartCommand command)
    {
        var w = unit.Writer;
        try
        {
            var claim = _active.Count < _options.MaxActiveExecutions;
            var (execution, created) = ExecutionStarts.Insert(w, _registry, command.Request, claim ? w.Owner : null, LeaseUntil(w.NowMs));
            var definition = _registry.Definition(w, execution.StateMachine, execution.Version);
            if (created && claim) Activate(unit, execution, definition, []);
            else if (created) unit.WakeAfterCommit.Add(execution.Seq);
            unit.Starts.Add((command, ExecutionStarts.Result(execution, created, definition.Type), null));
        }
        catch (WorkflowStartException ex)
        {
            unit.Starts.Add((command, null, ex));
        }
    }

    /// <summary>Starts a child execution from a task, in this unit; it runs in this unit too when there is room.</summary>
    private (StoredExecution Execution, bool Created, AslDefinition Definition) StartChild(Unit unit, StartRequest request)
    {
        var w = unit.Writer;
        var claim = _active.Count < _options.MaxActiveExecutions;
        var (execution, created) = ExecutionStarts.Insert(w, _registry, request, claim ? w.Owner : null, LeaseUntil(w.NowMs));
        var definition = _registry.Definition(w, execution.StateMachine, execution.Version);
        if (created && claim) Activate(unit, execution, definition, []);
        else if (created) unit.WakeAfterCommit.Add(execution.Seq);
        return (execution, created, definition);
    }

    private void WakeExecution(Unit unit, long seq)
    {
        if (_active.TryGetValue(seq, out var execution))
        {
            Refresh(unit, execution);
            return;
        }
        if (_active.Count >= _options.MaxActiveExecutions)
        {
            _toLoad.Add(seq);
            return;
        }
        if (unit.Writer.WorkflowExecutionClaim(seq, LeaseUntil(unit.Writer.NowMs))) Load(unit, seq);
    }

    /// <summary>Applies what arrived through the execution's rows: a stop request, outcomes for frames waiting on a child execution or a callback.</summary>
    private void Refresh(Unit unit, ActiveExecution execution)
    {
        var w = unit.Writer;
        if (execution.Ended) return;
        var (requested, error, cause) = w.WorkflowExecutionStopRequest(execution.Seq);
        if (requested)
        {
            Stop(unit, execution, ExecutionStatus.Aborted, error, cause);
            return;
        }
        foreach (var (frameId, json) in w.WorkflowFrameListCompletions(execution.Seq))
        {
            w.WorkflowFrameClearCompletion(execution.Seq, frameId);
            if (!execution.Frames.TryGetValue(frameId, out var frame)) continue;
            ApplyCompletion(unit, execution, frame, WorkflowJson.Deserialize<FrameCompletion>(json));
        }
    }

    private void ApplyCompletion(Unit unit, ActiveExecution execution, ActiveFrame frame, FrameCompletion completion)
    {
        if (frame.Task is null || AslEngine.PendingTaskKey(execution.Context, frame.State) != completion.TaskKey) return;
        var outcome = completion.ToOutcome();
        if (frame.TaskKind == PendingTaskKind.ChildExecution && outcome.IsSuccess) outcome = ShapeChildResult(frame.Task, outcome.Result!);
        unit.Touch(execution);
        Resolve(execution, frame, outcome);
    }

    private void TaskDone(Unit unit, TaskDoneCommand done)
    {
        if (!_active.TryGetValue(done.Seq, out var execution) || !execution.Frames.TryGetValue(done.FrameId, out var frame)) return;
        if (frame.TaskKind != PendingTaskKind.AsyncFunction || AslEngine.PendingTaskKey(execution.Context, frame.State) != done.TaskKey) return;
        unit.Touch(execution);
        if (frame.Task!.Resource.Pattern == IntegrationPattern.WaitForTaskToken && done.Outcome.IsSuccess)
        {
            // The function took the token; the task ends when the callback presents it.
            EndAsyncCall(execution, frame);
            frame.TaskKind = PendingTaskKind.Callback;
            frame.Dirty = true;
            ArmTaskTimers(execution, frame);
            return;
        }
        Resolve(execution, frame, done.Outcome);
    }

    private void EndAsyncCall(ActiveExecution execution, ActiveFrame frame)
    {
        if (frame.TaskKind != PendingTaskKind.AsyncFunction) return;
        frame.TaskCancel?.Dispose();
        frame.TaskCancel = null;
        frame.NeedsDispatch = false;
        execution.TasksInFlight--;
    }

    private void FireTimers(Unit unit, long now)
    {
        while (_timers.TryPeek(out var timer, out var due) && due <= now)
        {
            _timers.Dequeue();
            if (!_active.TryGetValue(timer.Seq, out var execution) || execution.Ended) continue;
            if (timer.Kind == TimerKind.ExecutionDeadline)
            {
                if (execution.Deadline <= now) Stop(unit, execution, ExecutionStatus.TimedOut, null, null);
                continue;
            }
            if (!execution.Frames.TryGetValue(timer.FrameId!, out var frame)) continue;
            switch (timer.Kind)
            {
                case TimerKind.Wait when frame.State.Status == FrameStatus.AwaitingTimer && frame.State.WaitUntil?.ToUnixTimeMilliseconds() <= now:
                    unit.Touch(execution);
                    Enqueue(execution, frame, StepKind.TimerFired);
                    break;
                case TimerKind.TaskDeadline when frame.Task is not null && frame.TaskDeadline <= now:
                    unit.Touch(execution);
                    TimeOutTask(unit, execution, frame, AslErrorNames.Timeout,
                        $"The task did not finish within {frame.Task.TimeoutSeconds} seconds.");
                    break;
                case TimerKind.Heartbeat when frame.Task is not null && frame.HeartbeatDeadline <= now:
                    {
                        var beat = unit.Writer.WorkflowFrameHeartbeatAt(execution.Seq, frame.Id);
                        var renewed = beat is { } at ? at + frame.Task.HeartbeatSeconds!.Value * 1000L : 0;
                        if (renewed > now)
                        {
                            frame.HeartbeatDeadline = renewed;
                            AddTimer(renewed, execution, frame, TimerKind.Heartbeat);
                            break;
                        }
                        unit.Touch(execution);
                        TimeOutTask(unit, execution, frame, AslErrorNames.HeartbeatTimeout,
                            $"No heartbeat within {frame.Task.HeartbeatSeconds} seconds.");
                        break;
                    }
            }
        }
    }

    private void TimeOutTask(Unit unit, ActiveExecution execution, ActiveFrame frame, string error, string cause)
    {
        frame.TaskCancel?.Cancel();
        if (frame.TaskKind == PendingTaskKind.ChildExecution && frame.ChildExecutionId is { } child) StopChild(unit, child, error, cause);
        Resolve(execution, frame, TaskOutcome.Failure(error, cause));
    }

    /// <summary>An execution whose steps failed three units in a row: failed with the reason, its frames dropped.</summary>
    private void FailPoisoned(Unit unit, long seq)
    {
        if (_active.TryGetValue(seq, out var active)) Evict(active, reload: false);
        _toLoad.Remove(seq);
        var w = unit.Writer;
        var row = w.WorkflowExecutionGetBySeq(seq);
        if (row is null || row.Status != ExecutionStatus.Running) return;
        w.WorkflowFrameDeleteAll(seq);
        w.WorkflowExecutionSave(new ExecutionProgress(seq, ExecutionStatus.Failed, null, "Contrail.InternalError",
            "The execution could not be advanced; see the server log.", w.NowMs, row.LastEventId, row.Transitions, null, null, null));
        unit.Ended.Add(row.Id);
    }
}

/// <summary>A step of one execution threw: the unit fails and the execution is named, so that repeated failures fail it alone.</summary>
internal sealed class WorkflowStepException(long seq, Exception inner) : Exception($"Advancing execution {seq} failed: {inner.Message}", inner)
{
    public long Seq { get; } = seq;
}
