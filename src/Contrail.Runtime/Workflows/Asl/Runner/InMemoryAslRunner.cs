using System.Globalization;

namespace Contrail.Workflows.Asl;

/// <summary>How an execution ended.</summary>
public enum AslExecutionStatus
{
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

/// <summary>The end of an execution run by <see cref="InMemoryAslRunner"/>.</summary>
public sealed record AslExecutionResult
{
    public required AslExecutionStatus Status { get; init; }
    public AslValue? Output { get; init; }
    public string? Error { get; init; }
    public string? Cause { get; init; }

    /// <summary>Every history event, in id order.</summary>
    public required IReadOnlyList<HistoryEvent> History { get; init; }

    /// <summary>States entered by all frames.</summary>
    public long Transitions { get; init; }

    public DateTimeOffset StartTime { get; init; }

    /// <summary>The (virtual or real) time the execution ended.</summary>
    public DateTimeOffset StopTime { get; init; }
}

/// <summary>Options for <see cref="InMemoryAslRunner"/>.</summary>
public sealed record InMemoryRunnerOptions
{
    /// <summary>
    /// True (the default): Wait states and Retry back-offs end at once and time moves forward virtually (each frame keeps
    /// its own clock; a parent resumes at the latest time of its children). False: wait in real time on <see cref="TimeProvider"/>.
    /// </summary>
    public bool VirtualTime { get; init; } = true;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Record history events (on by default; turn off to measure the engine alone).</summary>
    public bool RecordHistory { get; init; } = true;
}

/// <summary>
/// Runs an execution to its end in memory with <see cref="AslEngine"/>: tasks are served by an <see cref="AslTaskHandler"/>,
/// Parallel/Map children run concurrently up to MaxConcurrency, and waits use a virtual clock by default. Used by the
/// conformance tests and by the product's test-execution feature; the durable driver follows the same protocol against
/// the store. Task TimeoutSeconds is enforced in real time on the handler.
/// </summary>
public sealed class InMemoryAslRunner
{
    private readonly AslTaskHandler _handler;
    private readonly InMemoryRunnerOptions _options;

    public InMemoryAslRunner(AslTaskHandler handler, InMemoryRunnerOptions? options = null)
    {
        _handler = handler;
        _options = options ?? new InMemoryRunnerOptions();
    }

    /// <summary>With a plain <c>(TaskRequest) =&gt; Task&lt;TaskOutcome&gt;</c> handler.</summary>
    public InMemoryAslRunner(Func<TaskRequest, Task<TaskOutcome>> handler, InMemoryRunnerOptions? options = null)
        : this((request, _) => new ValueTask<TaskOutcome>(handler(request)), options)
    {
    }

    /// <summary>Starts an execution with generated identity (name, ids and a random seed) and runs it to the end.</summary>
    public Task<AslExecutionResult> RunAsync(AslDefinition definition, AslValue input, string stateMachineName = "StateMachine", string? executionName = null, CancellationToken cancellationToken = default)
    {
        executionName ??= Guid.NewGuid().ToString();
        var smArn = $"arn:aws:states:us-east-1:000000000000:stateMachine:{stateMachineName}";
        var kind = definition.Type == AslStateMachineType.Express ? "express" : "execution";
        var exec = new ExecutionContextData(
            $"arn:aws:states:us-east-1:000000000000:{kind}:{stateMachineName}:{executionName}",
            executionName, input, _options.TimeProvider.GetUtcNow(), smArn, stateMachineName)
        {
            Type = definition.Type,
            RandomSeed = (ulong)Random.Shared.NextInt64(),
        };
        return RunAsync(definition, exec, cancellationToken);
    }

    /// <summary>Runs the execution described by <paramref name="execution"/> to the end.</summary>
    public async Task<AslExecutionResult> RunAsync(AslDefinition definition, ExecutionContextData execution, CancellationToken cancellationToken = default)
    {
        var run = new ExecutionRun(this, definition, execution);
        var root = AslEngine.StartRoot(definition, execution);
        var end = await run.RunFrameAsync(root, new FrameClock(execution.StartTime), isRoot: true, cancellationToken).ConfigureAwait(false);
        var history = run.History();
        var status = end.Frame.Status switch
        {
            FrameStatus.Succeeded => AslExecutionStatus.Succeeded,
            FrameStatus.Aborted => AslExecutionStatus.Aborted,
            _ when end.TimedOut => AslExecutionStatus.TimedOut,
            _ => AslExecutionStatus.Failed,
        };
        return new AslExecutionResult
        {
            Status = status,
            Output = end.Frame.Output,
            Error = end.Frame.Error,
            Cause = end.Frame.Cause,
            History = history,
            Transitions = Interlocked.Read(ref run.Transitions),
            StartTime = execution.StartTime,
            StopTime = end.Clock.Now,
        };
    }

    /// <summary>A frame's own time line.</summary>
    private sealed class FrameClock(DateTimeOffset now)
    {
        public DateTimeOffset Now { get; set; } = now;
    }

    private readonly record struct FrameEnd(FrameState Frame, FrameClock Clock, bool TimedOut);

    private sealed class ExecutionRun
    {
        private readonly InMemoryAslRunner _runner;
        private readonly AslDefinition _def;
        private readonly ExecutionContextData _exec;
        private readonly List<HistoryEvent> _history = new();
        private readonly DateTimeOffset? _deadline;
        public long Transitions;

        public ExecutionRun(InMemoryAslRunner runner, AslDefinition def, ExecutionContextData exec)
        {
            _runner = runner;
            _def = def;
            _exec = exec;
            _deadline = def.TimeoutSeconds is { } t ? exec.StartTime.AddSeconds(t) : null;
        }

        public IReadOnlyList<HistoryEvent> History()
        {
            lock (_history)
            {
                _history.Sort((a, b) => a.Id.CompareTo(b.Id));
                return _history.ToArray();
            }
        }

        private StepResult Record(StepResult step)
        {
            Interlocked.Add(ref Transitions, step.Transitions);
            if (_runner._options.RecordHistory && step.Events.Count > 0)
                lock (_history) _history.AddRange(step.Events);
            return step;
        }

        private DateTimeOffset Now(FrameClock clock) => _runner._options.VirtualTime ? clock.Now : _runner._options.TimeProvider.GetUtcNow();

        public async Task<FrameEnd> RunFrameAsync(FrameState frame, FrameClock clock, bool isRoot, CancellationToken ct)
        {
            var step = Record(AslEngine.Advance(_def, _exec, frame, Now(clock)));
            while (true)
            {
                if (step.Frame.IsFinished) return new FrameEnd(step.Frame, clock, false);
                if (isRoot && _deadline is { } deadline && clock.Now > deadline) return TimeOut(step, clock, deadline);
                if (ct.IsCancellationRequested) return Abort(step, clock);
                switch (step.Action)
                {
                    case ContinueAction:
                        step = Record(AslEngine.Advance(_def, _exec, step.Frame, Now(clock)));
                        break;
                    case InvokeTaskAction invoke:
                        {
                            TaskOutcome outcome;
                            try
                            {
                                outcome = await InvokeAsync(invoke.Request, ct).ConfigureAwait(false);
                            }
                            catch (OperationCanceledException) when (ct.IsCancellationRequested)
                            {
                                return Abort(step, clock);
                            }
                            step = Record(outcome.IsSuccess
                                ? AslEngine.ResumeWithTaskResult(_def, _exec, step.Frame, outcome.Result ?? AslValue.Null, Now(clock))
                                : AslEngine.ResumeWithTaskError(_def, _exec, step.Frame, outcome.Error ?? AslErrorNames.TaskFailed, outcome.Cause, Now(clock)));
                            break;
                        }
                    case WaitUntilAction wait:
                        {
                            if (_runner._options.VirtualTime)
                            {
                                if (isRoot && _deadline is { } d && wait.Until > d) return TimeOut(step, clock, d);
                                if (wait.Until > clock.Now) clock.Now = wait.Until;
                            }
                            else
                            {
                                var delay = wait.Until - _runner._options.TimeProvider.GetUtcNow();
                                try
                                {
                                    if (delay > TimeSpan.Zero) await Task.Delay(delay, _runner._options.TimeProvider, ct).ConfigureAwait(false);
                                }
                                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                                {
                                    return Abort(step, clock);
                                }
                            }
                            step = Record(AslEngine.ResumeAfterWait(_def, _exec, step.Frame, Now(clock)));
                            break;
                        }
                    case StartChildrenAction start:
                        {
                            var outcomes = await RunChildrenAsync(start.Batch, clock, ct).ConfigureAwait(false);
                            if (ct.IsCancellationRequested) return Abort(step, clock);
                            step = Record(AslEngine.ResumeWithChildren(_def, _exec, step.Frame, outcomes, Now(clock)));
                            break;
                        }
                    default:
                        throw new InvalidOperationException("Unknown step action " + step.Action);
                }
            }
        }

        private FrameEnd TimeOut(StepResult step, FrameClock clock, DateTimeOffset deadline)
        {
            clock.Now = deadline;
            var end = Record(AslEngine.TimeOut(_def, _exec, step.Frame, deadline));
            return new FrameEnd(end.Frame, clock, true);
        }

        private FrameEnd Abort(StepResult step, FrameClock clock)
        {
            var end = Record(AslEngine.Abort(_def, _exec, step.Frame, Now(clock), "States.Aborted", "The run was cancelled."));
            return new FrameEnd(end.Frame, clock, false);
        }

        private async ValueTask<TaskOutcome> InvokeAsync(TaskRequest request, CancellationToken ct)
        {
            try
            {
                if (request.TimeoutSeconds is not { } timeout)
                    return await _runner._handler(request, ct).ConfigureAwait(false);
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var task = _runner._handler(request, cts.Token).AsTask();
                try
                {
                    return await task.WaitAsync(TimeSpan.FromSeconds(timeout), _runner._options.TimeProvider, ct).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    await cts.CancelAsync().ConfigureAwait(false);
                    return TaskOutcome.Failure(AslErrorNames.Timeout, string.Create(CultureInfo.InvariantCulture, $"The task did not finish within {timeout} seconds."));
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                return TaskOutcome.Failure(e.GetType().Name, e.Message);
            }
        }

        private async Task<IReadOnlyList<ChildOutcome>> RunChildrenAsync(ChildBatch batch, FrameClock parentClock, CancellationToken ct)
        {
            var children = batch.Children;
            var outcomes = new ChildOutcome[children.Count];
            var ran = new bool[children.Count];
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var next = -1;
            var failed = 0;
            long sequence = 0;
            var latest = parentClock.Now;
            var gate = new object();

            async Task WorkerAsync()
            {
                while (true)
                {
                    if (stop.IsCancellationRequested) return;
                    var i = Interlocked.Increment(ref next);
                    if (i >= children.Count) return;
                    ran[i] = true;
                    var clock = new FrameClock(parentClock.Now);
                    var end = await RunFrameAsync(children[i], clock, isRoot: false, stop.Token).ConfigureAwait(false);
                    var seq = Interlocked.Increment(ref sequence);
                    outcomes[i] = ChildOutcome.From(end.Frame, seq);
                    lock (gate)
                    {
                        if (clock.Now > latest) latest = clock.Now;
                        if (end.Frame.Status == FrameStatus.Failed && batch.FailsWith(++failed)) stop.Cancel();
                    }
                }
            }

            var workers = batch.MaxConcurrency <= 0 ? children.Count : Math.Min(batch.MaxConcurrency, children.Count);
            if (workers == 1)
            {
                await WorkerAsync().ConfigureAwait(false);
            }
            else
            {
                var tasks = new Task[workers];
                for (var w = 0; w < workers; w++) tasks[w] = WorkerAsync();
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            for (var i = 0; i < outcomes.Length; i++)
                if (!ran[i]) outcomes[i] = new ChildOutcome(i, ChildOutcomeStatus.NotRun);
            if (_runner._options.VirtualTime) parentClock.Now = latest;
            return outcomes;
        }
    }
}
