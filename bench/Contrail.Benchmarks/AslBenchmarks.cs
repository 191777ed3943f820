using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Contrail.Workflows.Asl;

namespace Contrail.Benchmarks;

/// <summary>
/// The ASL step: a Task returning 100 items, then a Map (MaxConcurrency 10) whose items each run a Task and a Choice
/// (302 states entered per execution). Times are per state transition (OperationsPerInvoke), so
/// transitions/s = 1e9 / Mean(ns). <c>InMemoryRunner*</c> is the whole in-memory driver (async runner, handler calls,
/// child scheduling); <c>EngineOnly</c> steps the frames by hand, which is the engine cost a durable driver adds to its
/// own storage cost.
/// Run: <c>dotnet run -c Release --project bench/Contrail.Benchmarks -- --filter *AslBenchmarks*</c>
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class AslBenchmarks
{
    /// <summary>States entered per execution: GetItems, ProcessAll, and Process, Check, Done for each of 100 items.</summary>
    public const int TransitionsPerExecution = 2 + 100 * 3;

    private const string Definition = """
    { "StartAt": "GetItems", "States": {
      "GetItems": { "Type": "Task", "Resource": "contrail:function:get-items", "Next": "ProcessAll" },
      "ProcessAll": { "Type": "Map", "MaxConcurrency": 10, "ItemsPath": "$.items",
        "ItemProcessor": { "StartAt": "Process", "States": {
          "Process": { "Type": "Task", "Resource": "contrail:function:process", "ResultPath": "$.result", "Next": "Check" },
          "Check": { "Type": "Choice", "Choices": [ { "Variable": "$.result.ok", "BooleanEquals": true, "Next": "Done" } ], "Default": "Rejected" },
          "Done": { "Type": "Succeed" },
          "Rejected": { "Type": "Fail", "Error": "Rejected" } } },
        "End": true } } }
    """;

    private AslDefinition _definition = null!;
    private InMemoryAslRunner _withHistory = null!;
    private InMemoryAslRunner _withoutHistory = null!;
    private AslValue _items = null!;
    private AslValue _processed = null!;
    private readonly AslValue _input = AslObject.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _definition = AslDefinition.Parse(Definition);
        _items = AslValue.Parse("{\"items\":[" + string.Join(",", Enumerable.Range(0, 100).Select(i => $"{{\"id\":{i},\"name\":\"item-{i}\",\"qty\":{i % 7}}}")) + "]}");
        _processed = AslValue.Parse("""{"ok":true,"score":0.75}""");
        var items = new ValueTask<TaskOutcome>(TaskOutcome.Success(_items));
        var processed = new ValueTask<TaskOutcome>(TaskOutcome.Success(_processed));
        AslTaskHandler handler = (request, _) => request.FunctionName == "process" ? processed : items;
        _withHistory = new InMemoryAslRunner(handler);
        _withoutHistory = new InMemoryAslRunner(handler, new InMemoryRunnerOptions { RecordHistory = false });
    }

    [Benchmark(OperationsPerInvoke = TransitionsPerExecution)]
    public async Task<long> InMemoryRunner() => (await _withHistory.RunAsync(_definition, _input).ConfigureAwait(false)).Transitions;

    [Benchmark(OperationsPerInvoke = TransitionsPerExecution)]
    public async Task<long> InMemoryRunnerWithoutHistory() => (await _withoutHistory.RunAsync(_definition, _input).ConfigureAwait(false)).Transitions;

    [Benchmark(OperationsPerInvoke = TransitionsPerExecution)]
    public long EngineOnly()
    {
        var exec = new ExecutionContextData("arn:exec", "bench", _input, DateTimeOffset.UnixEpoch, "arn:sm", "sm");
        var now = DateTimeOffset.UnixEpoch;
        return Drive(AslEngine.StartRoot(_definition, exec), exec, now);
    }

    private long Drive(FrameState frame, ExecutionContextData exec, DateTimeOffset now)
    {
        var step = AslEngine.Advance(_definition, exec, frame, now);
        long transitions = step.Transitions;
        while (step.Action is not CompletedAction)
        {
            switch (step.Action)
            {
                case InvokeTaskAction invoke:
                    step = AslEngine.ResumeWithTaskResult(_definition, exec, step.Frame, invoke.Request.FunctionName == "process" ? _processed : _items, now);
                    break;
                case StartChildrenAction start:
                    {
                        var children = start.Batch.Children;
                        var outcomes = new ChildOutcome[children.Count];
                        for (var i = 0; i < outcomes.Length; i++)
                            outcomes[i] = ChildOutcome.From(DriveChild(children[i], exec, now, ref transitions), i);
                        step = AslEngine.ResumeWithChildren(_definition, exec, step.Frame, outcomes, now);
                        break;
                    }
                default:
                    throw new InvalidOperationException("unexpected " + step.Action);
            }
            transitions += step.Transitions;
        }
        return transitions;
    }

    private FrameState DriveChild(FrameState frame, ExecutionContextData exec, DateTimeOffset now, ref long transitions)
    {
        var step = AslEngine.Advance(_definition, exec, frame, now);
        transitions += step.Transitions;
        while (step.Action is InvokeTaskAction)
        {
            step = AslEngine.ResumeWithTaskResult(_definition, exec, step.Frame, _processed, now);
            transitions += step.Transitions;
        }
        return step.Frame;
    }

    /// <summary>In-process toolchain: no generated project (the repository pins packages centrally and treats warnings as errors).</summary>
    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig()
        {
            AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance));
        }
    }
}
