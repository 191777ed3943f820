using Contrail.Storage;
using Contrail.Workflows.Asl;

namespace Contrail.Workflows;

/// <summary>One page of an execution's history, in AWS's order (or reversed), with where the next page starts.</summary>
public sealed record HistoryPage(IReadOnlyList<HistoryEvent> Events, long? Next);

/// <summary>What a callback (SendTaskSuccess/Failure/Heartbeat) found.</summary>
public enum CallbackResult
{
    Accepted,

    /// <summary>No running task waits for that token (unknown, ended, timed out).</summary>
    NotFound,

    /// <summary>The task already received its outcome.</summary>
    AlreadyCompleted,
}

/// <summary>
/// What the API, the CLI's server side, rule targets and applications use: state machines, starts, stops, callbacks,
/// and reads of executions and their history. Runs through the store and the <see cref="WorkflowRunner"/>.
/// </summary>
public sealed class WorkflowService(Store store, StateMachineRegistry registry, WorkflowRunner runner)
{
    public const string OriginApi = "api";
    public const string OriginApplication = "application";

    public StateMachineRegistry StateMachines => registry;

    public Task<(StoredStateMachine Machine, StateMachineChange Change)> SaveStateMachineAsync(string name, string definition, string type, string origin, CancellationToken ct) =>
        store.WriteAsync(w => registry.Save(w, name, definition, type, origin), ct: ct);

    public StoredStateMachine? GetStateMachine(string name) => store.Read(r => r.StateMachineGet(name));

    public Task<bool> DeleteStateMachineAsync(string name, CancellationToken ct) => store.WriteAsync(w => w.StateMachineDelete(name), ct: ct);

    /// <summary>Starts an execution (see <see cref="WorkflowRunner.StartAsync"/>).</summary>
    public Task<StartResult> StartAsync(StartRequest request, CancellationToken ct) => runner.StartAsync(request, ct);

    public StoredExecution? GetExecution(string idOrArn) => store.Read(r => r.WorkflowExecutionGet(WorkflowArns.NormalizeExecutionId(idOrArn)));

    /// <summary>The execution once it ended, or as it is when <paramref name="wait"/> passes first.</summary>
    public async Task<StoredExecution?> WaitAsync(string idOrArn, TimeSpan wait, CancellationToken ct)
    {
        var id = WorkflowArns.NormalizeExecutionId(idOrArn);
        var row = GetExecution(id);
        if (wait > TimeSpan.Zero && row is { Status: ExecutionStatus.Running })
            await runner.WaitForEndAsync(id, () => (row = GetExecution(id)) is null or { Status: not ExecutionStatus.Running }, wait, ct).ConfigureAwait(false);
        return row;
    }

    /// <summary>
    /// Asks a running execution to stop (its frames are aborted: ABORTED with the error and cause) and waits briefly for
    /// its runner to do it. Null when there is no such execution; an execution that already ended is returned as it is.
    /// </summary>
    public async Task<StoredExecution?> StopAsync(string idOrArn, string? error, string? cause, CancellationToken ct)
    {
        var id = WorkflowArns.NormalizeExecutionId(idOrArn);
        var seq = await store.WriteAsync(w => w.WorkflowExecutionRequestStop(id, error, cause) ? w.WorkflowExecutionGet(id)?.Seq : null, ct: ct).ConfigureAwait(false);
        if (seq is { } s) runner.Wake(s);
        return await WaitAsync(id, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// History events after <paramref name="position"/> (or before it when <paramref name="reverse"/>), at most
    /// <paramref name="limit"/>. Reads only the chunks that hold the page.
    /// </summary>
    public HistoryPage History(StoredExecution execution, long? position, int limit, bool reverse) => store.Read(r =>
    {
        var events = new List<HistoryEvent>(limit);
        if (!reverse)
        {
            var after = position ?? 0;
            while (events.Count < limit)
            {
                var chunks = r.WorkflowHistoryAfter(execution.Seq, after, 8);
                if (chunks.Count == 0) break;
                foreach (var chunk in chunks)
                    foreach (var e in HistoryCodec.Decode(chunk.Events))
                        if (e.Id > after && events.Count < limit) events.Add(e);
                after = events.Count > 0 ? events[^1].Id : chunks[^1].LastEventId;
                if (chunks.Count < 8) break;
            }
            var more = events.Count == limit && r.WorkflowHistoryAfter(execution.Seq, events[^1].Id, 1).Count > 0;
            return new HistoryPage(events, more ? events[^1].Id : null);
        }
        var before = position ?? long.MaxValue;
        while (events.Count < limit)
        {
            var chunks = r.WorkflowHistoryBefore(execution.Seq, before, 8);
            if (chunks.Count == 0) break;
            foreach (var chunk in chunks)
            {
                var decoded = HistoryCodec.Decode(chunk.Events);
                for (var i = decoded.Count - 1; i >= 0; i--)
                    if (decoded[i].Id < before && events.Count < limit) events.Add(decoded[i]);
            }
            before = events.Count > 0 ? events[^1].Id : chunks[^1].FirstEventId;
            if (chunks.Count < 8) break;
        }
        var earlier = events.Count == limit && r.WorkflowHistoryBefore(execution.Seq, events[^1].Id, 1).Count > 0;
        return new HistoryPage(events, earlier ? events[^1].Id : null);
    });

    /// <summary>SendTaskSuccess: the task waiting for <paramref name="taskToken"/> succeeds with <paramref name="output"/>.</summary>
    public Task<CallbackResult> SendTaskSuccessAsync(string taskToken, AslValue output, CancellationToken ct) =>
        CompleteAsync(taskToken, key => new FrameCompletion(key, true, output, null, null), ct);

    /// <summary>SendTaskFailure: the task waiting for <paramref name="taskToken"/> fails with the error and cause.</summary>
    public Task<CallbackResult> SendTaskFailureAsync(string taskToken, string? error, string? cause, CancellationToken ct) =>
        CompleteAsync(taskToken, key => new FrameCompletion(key, false, null, error ?? AslErrorNames.TaskFailed, cause), ct);

    /// <summary>SendTaskHeartbeat: resets the task's HeartbeatSeconds clock.</summary>
    public async Task<CallbackResult> SendTaskHeartbeatAsync(string taskToken, CancellationToken ct) =>
        await store.WriteAsync(w => w.WorkflowFrameHeartbeat(taskToken), ct: ct).ConfigureAwait(false) ? CallbackResult.Accepted : CallbackResult.NotFound;

    private async Task<CallbackResult> CompleteAsync(string taskToken, Func<string, FrameCompletion> completion, CancellationToken ct)
    {
        var (result, seq) = await store.WriteAsync(w =>
        {
            if (w.WorkflowFrameFindByToken(taskToken) is not { } found) return (CallbackResult.NotFound, 0L);
            var key = WorkflowJson.Deserialize<PendingTask>(found.Task).Request.IdempotencyKey;
            if (!w.WorkflowFrameSetCompletion(found.Execution, found.FrameId, WorkflowJson.Serialize(completion(key))))
                return (CallbackResult.AlreadyCompleted, 0L);
            w.WorkflowExecutionWake(found.Execution);
            return (CallbackResult.Accepted, found.Execution);
        }, ct: ct).ConfigureAwait(false);
        if (result == CallbackResult.Accepted) runner.Wake(seq);
        return result;
    }
}
