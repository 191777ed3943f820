using System.Text.Json;
using Contrail.Workflows.Asl;

namespace Contrail.Tests.Workflows;

/// <summary>
/// Drives an execution the way the durable driver will: one JSON row per frame, and every step loads the row, runs
/// the engine and "commits" the new row with the step's events. Before each committed step the same step is run once
/// from the same row and thrown away (a crash before the commit): both runs must produce identical frames, actions
/// and events, which is what makes resuming after a crash safe. Children run one after another; time is virtual.
/// </summary>
internal sealed class DurableSimulationDriver
{
    private static readonly JsonSerializerOptions Json = new();

    private readonly AslDefinition _def;
    private readonly ExecutionContextData _template;
    private readonly AslTaskHandler _handler;
    private readonly Dictionary<string, string> _rows = new(StringComparer.Ordinal);
    private readonly List<HistoryEvent> _history = new();
    private long _lastEventId;
    private DateTimeOffset _now;
    private long _transitions;

    public DurableSimulationDriver(AslDefinition def, ExecutionContextData execution, AslTaskHandler handler)
    {
        _def = def;
        _template = execution;
        _handler = handler;
        _now = execution.StartTime;
    }

    /// <summary>Differences between the discarded and the committed run of a step (must stay empty).</summary>
    public List<string> DeterminismProblems { get; } = new();

    /// <summary>How many rows (frames) were stored.</summary>
    public int RowCount => _rows.Count;

    public async Task<AslExecutionResult> RunAsync()
    {
        var root = await RunFrameAsync(AslEngine.StartRoot(_def, Execution()));
        return new AslExecutionResult
        {
            Status = root.Status switch
            {
                FrameStatus.Succeeded => AslExecutionStatus.Succeeded,
                FrameStatus.Aborted => AslExecutionStatus.Aborted,
                _ => AslExecutionStatus.Failed,
            },
            Output = root.Output,
            Error = root.Error,
            Cause = root.Cause,
            History = _history.OrderBy(e => e.Id).ToArray(),
            Transitions = _transitions,
            StartTime = _template.StartTime,
            StopTime = _now,
        };
    }

    /// <summary>A fresh execution context per step, its event ids continuing from the last committed one.</summary>
    private ExecutionContextData Execution() =>
        new(_template.ExecutionId, _template.Name, _template.Input, _template.StartTime, _template.StateMachineId, _template.StateMachineName)
        {
            RoleArn = _template.RoleArn,
            Region = _template.Region,
            Type = _template.Type,
            RandomSeed = _template.RandomSeed,
            RedriveCount = _template.RedriveCount,
            EventIds = new SequentialHistoryEventIds(_lastEventId),
        };

    private StepResult Step(FrameState stored, Func<ExecutionContextData, FrameState, StepResult> call)
    {
        var row = JsonSerializer.Serialize(stored, Json);
        var reloaded = JsonSerializer.Deserialize<FrameState>(row, Json)!;
        var again = JsonSerializer.Serialize(reloaded, Json);
        if (again != row) DeterminismProblems.Add($"frame {stored.FrameId} does not round-trip:\n{row}\n{again}");

        var discarded = call(Execution(), JsonSerializer.Deserialize<FrameState>(row, Json)!);
        var committed = call(Execution(), JsonSerializer.Deserialize<FrameState>(row, Json)!);
        var a = Describe(discarded);
        var b = Describe(committed);
        if (a != b) DeterminismProblems.Add($"step of {stored.FrameId} is not deterministic:\n{a}\n{b}");

        _rows[committed.Frame.FrameId] = JsonSerializer.Serialize(committed.Frame, Json);
        _history.AddRange(committed.Events);
        if (committed.Events.Count > 0) _lastEventId = Math.Max(_lastEventId, committed.Events.Max(e => e.Id));
        _transitions += committed.Transitions;
        return committed;
    }

    private static string Describe(StepResult r) =>
        JsonSerializer.Serialize(r.Frame, Json) + "\n" +
        JsonSerializer.Serialize(r.Action, r.Action.GetType(), Json) + "\n" +
        string.Join("\n", r.Events.Select(e => e.FrameId + " " + e.ToAwsJson().ToJsonString()));

    private async Task<FrameState> RunFrameAsync(FrameState frame)
    {
        var step = Step(frame, (e, f) => AslEngine.Advance(_def, e, f, _now));
        while (true)
        {
            switch (step.Action)
            {
                case CompletedAction:
                case FailedAction:
                    return step.Frame;
                case ContinueAction:
                    step = Step(step.Frame, (e, f) => AslEngine.Advance(_def, e, f, _now));
                    break;
                case InvokeTaskAction invoke:
                    {
                        var outcome = await _handler(invoke.Request, CancellationToken.None);
                        step = outcome.IsSuccess
                            ? Step(step.Frame, (e, f) => AslEngine.ResumeWithTaskResult(_def, e, f, outcome.Result!, _now))
                            : Step(step.Frame, (e, f) => AslEngine.ResumeWithTaskError(_def, e, f, outcome.Error!, outcome.Cause, _now));
                        break;
                    }
                case WaitUntilAction wait:
                    if (wait.Until > _now) _now = wait.Until;
                    step = Step(step.Frame, (e, f) => AslEngine.ResumeAfterWait(_def, e, f, _now));
                    break;
                case StartChildrenAction start:
                    {
                        var batch = start.Batch;
                        var outcomes = new ChildOutcome[batch.Children.Count];
                        var failed = 0;
                        var stopped = false;
                        for (var i = 0; i < outcomes.Length; i++)
                        {
                            if (stopped)
                            {
                                outcomes[i] = new ChildOutcome(i, ChildOutcomeStatus.NotRun);
                                continue;
                            }
                            var end = await RunFrameAsync(batch.Children[i]);
                            outcomes[i] = ChildOutcome.From(end, i + 1);
                            if (end.Status == FrameStatus.Failed && batch.FailsWith(++failed)) stopped = true;
                        }
                        step = Step(step.Frame, (e, f) => AslEngine.ResumeWithChildren(_def, e, f, outcomes, _now));
                        break;
                    }
            }
        }
    }
}
