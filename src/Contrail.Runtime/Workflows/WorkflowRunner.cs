using System.Collections.Concurrent;
using System.Diagnostics;
using Contrail.Bus;
using Contrail.Functions;
using Contrail.Queues;
using Contrail.Storage;
using Contrail.Workflows.Asl;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contrail.Workflows;

/// <summary>
/// The durable driver of <see cref="AslEngine"/>. It holds the executions that have work in memory and advances their frames
/// in transactions of many steps at once (across executions and Map items): every step's new frame, history events and
/// effects (transactional functions, queue messages, events, child executions) commit together, so a crash leaves each
/// frame at its last committed step, and nothing is replayed on restart: the frames are read back from their rows.
/// <para>
/// One loop owns all in-memory state. Each turn it takes what arrived (starts, wake-ups, finished function calls, due
/// timers), runs one unit of work on the store's writer (<see cref="Store.WriteAsync{T}"/>): steps until the queue is empty
/// or the unit's budget is spent, then writes what changed (frame rows only for frames that outlive the transaction, one
/// history chunk per execution, the execution row). After the commit it dispatches asynchronous function calls, which
/// run outside any transaction and come back as new input. If a unit fails, every execution it touched is dropped from
/// memory and loaded again from the store.
/// </para>
/// </summary>
public sealed partial class WorkflowRunner : IHostedService
{
    private readonly Store _store;
    private readonly StateMachineRegistry _registry;
    private readonly FunctionRegistry _functions;
    private readonly QueueRegistry _queues;
    private readonly EventBus _bus;
    private readonly IServiceProvider _services;
    private readonly WorkflowOptions _options;
    private readonly ILogger<WorkflowRunner> _logger;
    private readonly TimeProvider _time;

    private readonly ConcurrentQueue<Command> _inbox = new();
    private readonly SemaphoreSlim _signal = new(0);
    private int _signalled;
    private readonly SemaphoreSlim _taskSlots;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    // Owned by the loop (and by the unit of work it runs on the writer; never both at once).
    private readonly Dictionary<long, ActiveExecution> _active = new();
    private readonly Queue<Step> _ready = new();
    private readonly PriorityQueue<TimerEntry, long> _timers = new();
    private readonly HashSet<long> _toLoad = new();
    private readonly Dictionary<long, int> _failures = new();
    private readonly HistoryCodec _history = new();
    private long _nextPoll;
    private long _nextLeaseRenewal;

    /// <summary>Completion notices for <see cref="WaitForEndAsync"/>, keyed by execution id.</summary>
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _endWaiters = new(StringComparer.Ordinal);

    private int _activeFrames;
    private int _peakActiveFrames;

    public WorkflowRunner(Store store, StateMachineRegistry registry, FunctionRegistry functions, QueueRegistry queues, EventBus bus,
        IServiceProvider services, IOptions<WorkflowOptions> options, ILogger<WorkflowRunner> logger)
    {
        _store = store;
        _registry = registry;
        _functions = functions;
        _queues = queues;
        _bus = bus;
        _services = services;
        _options = options.Value;
        _options.Validate();
        _logger = logger;
        _time = store.Time;
        _taskSlots = new SemaphoreSlim(_options.MaxConcurrentTasks);
    }

    /// <summary>Executions held in memory now.</summary>
    public int ActiveExecutions => Volatile.Read(ref _activeCount);
    private int _activeCount;

    /// <summary>The most frames held in memory at once since start (a bound the tests check on huge Maps).</summary>
    public int PeakActiveFrames => Volatile.Read(ref _peakActiveFrames);

    /// <summary>Units of work committed since start.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);
    private long _transactions;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    // ------------------------------------------------------------------ public surface

    /// <summary>
    /// Starts an execution in the runner's next unit of work, so that the start and the first steps commit together.
    /// Completes once committed. Throws <see cref="WorkflowStartException"/> for a start that cannot be made.
    /// </summary>
    public Task<StartResult> StartAsync(StartRequest request, CancellationToken ct = default)
    {
        if (_loop is null || _stopping.IsCancellationRequested) return StartDirectAsync(request, ct);
        var command = new StartCommand(request, new TaskCompletionSource<StartResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        Post(command);
        return command.Completion.Task.WaitAsync(ct);
    }

    /// <summary>Without a running loop (before start-up, during shutdown): insert the execution for a runner to pick up.</summary>
    private async Task<StartResult> StartDirectAsync(StartRequest request, CancellationToken ct)
    {
        var (execution, created) = await _store.WriteAsync(w => ExecutionStarts.Insert(w, _registry, request, null, 0), ct: ct).ConfigureAwait(false);
        return ExecutionStarts.Result(execution, created, _registry.Definition(execution.StateMachine, execution.Version).Type);
    }

    /// <summary>Starts an execution in the caller's transaction (a rule target, another workflow's task); the runner picks it up after the commit.</summary>
    public StartResult StartInTransaction(StoreWriter writer, StartRequest request)
    {
        var (execution, created) = ExecutionStarts.Insert(writer, _registry, request, null, 0);
        if (created) writer.AfterCommit(() => Wake(execution.Seq));
        return ExecutionStarts.Result(execution, created, _registry.Definition(writer, execution.StateMachine, execution.Version).Type);
    }

    /// <summary>A hint that an execution's row changed (a stop was requested, a child ended, a callback arrived); it is also found by polling.</summary>
    public void Wake(long seq) => Post(new WakeCommand(seq));

    /// <summary>Waits until the execution is no longer running (true) or the timeout passes (false); the caller reads the row.</summary>
    public async Task<bool> WaitForEndAsync(string executionId, Func<bool> ended, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var waiter = _endWaiters.GetOrAdd(executionId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (ended()) return true;
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero) return false;
            // The notice is a hint (another process may run the execution): poll at least every second.
            try { await waiter.Task.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), ct).ConfigureAwait(false); }
            catch (TimeoutException) { }
        }
    }

    private void NotifyEnded(string executionId)
    {
        if (_endWaiters.TryRemove(executionId, out var waiter)) waiter.TrySetResult();
    }

    private void Post(Command command)
    {
        _inbox.Enqueue(command);
        Signal();
    }

    private void Signal()
    {
        if (Interlocked.Exchange(ref _signalled, 1) == 0) _signal.Release();
    }

    // ------------------------------------------------------------------ hosting

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => LoopAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loop is null) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        try { await _loop.WaitAsync(cancellationToken).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
    }

    private async Task LoopAsync(CancellationToken stopping)
    {
        await InitializeAsync(stopping).ConfigureAwait(false);
        var commands = new List<Command>();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                commands.Clear();
                while (_inbox.TryDequeue(out var command)) commands.Add(command);
                var now = NowMs;
                var poll = now >= _nextPoll && _active.Count < _options.MaxActiveExecutions;
                var renew = now >= _nextLeaseRenewal;
                if (commands.Count == 0 && _ready.Count == 0 && _toLoad.Count == 0 && !poll && !renew && !TimerDue(now))
                {
                    await WaitForWorkAsync(now, stopping).ConfigureAwait(false);
                    continue;
                }
                if (poll) _nextPoll = now + (long)_options.PollInterval.TotalMilliseconds;
                if (renew) _nextLeaseRenewal = now + (long)(_options.LeaseDuration.TotalMilliseconds / 3);
                await RunUnitAsync(commands, poll, renew, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Workflow runner loop failed; retrying");
                try { await Task.Delay(_options.PollInterval, _time, stopping).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
            }
        }
        // Stopping: in-flight function calls are abandoned; their frames are committed as awaiting them and are called
        // again (same idempotency key) by whichever runner next loads the execution.
        foreach (var execution in _active.Values)
            foreach (var frame in execution.Frames.Values)
                frame.TaskCancel?.Cancel();
    }

    private async Task InitializeAsync(CancellationToken stopping)
    {
        // SQLite: this process holds the data directory's lock, so executions claimed by an earlier process are orphans.
        if (_store.Provider == "sqlite")
        {
            var released = await _store.WriteAsync(w => w.WorkflowExecutionReleaseOrphaned(), ct: stopping).ConfigureAwait(false);
            if (released > 0) _logger.LogInformation("Resuming {Count} workflow executions left running by a previous process", released);
        }
    }

    private bool TimerDue(long now) => _timers.TryPeek(out _, out var due) && due <= now;

    private async Task WaitForWorkAsync(long now, CancellationToken stopping)
    {
        var wait = _nextPoll - now;
        if (_timers.TryPeek(out _, out var due)) wait = Math.Min(wait, due - now);
        wait = Math.Clamp(wait, 1, (long)_options.PollInterval.TotalMilliseconds);
        Volatile.Write(ref _signalled, 0);
        if (!_inbox.IsEmpty) return;
        await _signal.WaitAsync(TimeSpan.FromMilliseconds(wait), stopping).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ commands, steps, timers

    private abstract record Command;

    private sealed record StartCommand(StartRequest Request, TaskCompletionSource<StartResult> Completion) : Command;

    private sealed record WakeCommand(long Seq) : Command;

    private sealed record TaskDoneCommand(long Seq, string FrameId, string TaskKey, TaskOutcome Outcome) : Command;

    private enum StepKind
    {
        Advance,
        TaskResult,
        TimerFired,
        CollectChildren,
    }

    private readonly record struct Step(ActiveExecution Execution, ActiveFrame Frame, StepKind Kind, int Generation);

    private enum TimerKind
    {
        Wait,
        TaskDeadline,
        Heartbeat,
        ExecutionDeadline,
    }

    private readonly record struct TimerEntry(long Seq, string? FrameId, TimerKind Kind);

    private void Enqueue(ActiveExecution execution, ActiveFrame frame, StepKind kind)
    {
        _ready.Enqueue(new Step(execution, frame, kind, frame.Generation));
        execution.QueuedSteps++;
    }

    private void AddTimer(long due, ActiveExecution execution, ActiveFrame? frame, TimerKind kind) =>
        _timers.Enqueue(new TimerEntry(execution.Seq, frame?.Id, kind), due);
}
