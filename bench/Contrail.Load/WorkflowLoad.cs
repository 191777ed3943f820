using System.Diagnostics;
using System.Text.Json.Nodes;
using Contrail.Functions;
using Contrail.Server;
using Contrail.Workflows;
using Contrail.Workflows.Asl;
using Microsoft.Extensions.DependencyInjection;

namespace Contrail.Load;

/// <summary>
/// The workflow benchmark shared with the peer (<c>bench/workflows/run.sh</c>, <c>peer.mjs</c>): a Task returning 100 bookings, then a Map
/// (MaxConcurrency 10) whose items each run a Task and a Choice. Executions run one after another for a fixed time on a
/// real Contrail host in this process: durable, on a SQLite file with synchronous=FULL, every step committed. Reports
/// executions/s and state transitions/s (states entered, as the execution rows count them).
/// </summary>
internal static class WorkflowLoad
{
    /// <summary>
    /// The definition when no file is given: the same as <c>bench/workflows/definition.json</c>, which the script passes
    /// so that both sides run one file. Its Lambda ARNs resolve to the functions registered under those names.
    /// </summary>
    private const string BuiltInDefinition = """
    {
      "StartAt": "GetBookings",
      "States": {
        "GetBookings": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:get-bookings", "Next": "ProcessAll" },
        "ProcessAll": {
          "Type": "Map", "MaxConcurrency": 10, "ItemsPath": "$.bookings",
          "ItemProcessor": {
            "StartAt": "Process",
            "States": {
              "Process": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:process-booking", "ResultPath": "$.result", "Next": "Check" },
              "Check": { "Type": "Choice", "Choices": [ { "Variable": "$.result.ok", "BooleanEquals": true, "Next": "Done" } ], "Default": "Rejected" },
              "Done": { "Type": "Succeed" },
              "Rejected": { "Type": "Fail", "Error": "Rejected" }
            }
          },
          "End": true
        }
      }
    }
    """;

    public static JsonObject Bookings() => new()
    {
        ["bookings"] = new JsonArray([.. Enumerable.Range(0, 100).Select(i => (JsonNode)new JsonObject
        {
            ["booking_id"] = $"B{i:D4}",
            ["passenger"] = $"passenger-{i}",
            ["flight"] = $"CT{100 + i % 7}",
            ["seats"] = 1 + i % 3,
        })]),
    };

    public static async Task<int> RunAsync(TimeSpan duration, bool asyncFunctions, string synchronous, string? definitionFile)
    {
        var definition = definitionFile is null ? BuiltInDefinition : await File.ReadAllTextAsync(definitionFile);
        var dataDir = Path.Combine(Path.GetTempPath(), "contrail-workflow-load-" + Guid.NewGuid().ToString("N"));
        var bookings = Bookings();
        var processed = new JsonObject { ["ok"] = true, ["score"] = 0.75 };
        var app = ContrailServer.Build(new Dictionary<string, string?>
        {
            ["DataDir"] = dataDir,
            ["Urls"] = "http://127.0.0.1:0",
            ["ApiKey"] = "bench-" + Guid.NewGuid().ToString("N"),
            ["Storage:Synchronous"] = synchronous,
            ["Logging:LogLevel:Default"] = "Warning",
        }, services =>
        {
            if (asyncFunctions)
            {
                services.AddFunction("get-bookings", (_, _) => ValueTask.FromResult<JsonNode?>(bookings.DeepClone()));
                services.AddFunction("process-booking", (_, _) => ValueTask.FromResult<JsonNode?>(processed.DeepClone()));
            }
            else
            {
                // No effects outside the store (none at all): a transactional function runs inside the step's transaction.
                services.AddTransactionalFunction("get-bookings", (_, _) => bookings.DeepClone());
                services.AddTransactionalFunction("process-booking", (_, _) => processed.DeepClone());
            }
        });
        await app.StartAsync();
        try
        {
            var workflows = app.Services.GetRequiredService<WorkflowService>();
            var runner = app.Services.GetRequiredService<WorkflowRunner>();
            await workflows.SaveStateMachineAsync("bench", definition, StateMachineRegistry.Standard, WorkflowService.OriginApi, CancellationToken.None);
            Console.WriteLine($"workflows: durable Contrail (SQLite synchronous={synchronous}), {(asyncFunctions ? "async" : "transactional")} functions, sequential executions for {duration.TotalSeconds:F0}s after a 2s warm-up");

            await Run(workflows, TimeSpan.FromSeconds(2), "warmup");
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var allocatedBefore = GC.GetTotalAllocatedBytes();
            var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var transactionsBefore = runner.Transactions;
            var (executions, transitions, elapsed, failed) = await Run(workflows, duration, "run");
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            var transactions = runner.Transactions - transactionsBefore;
            var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
            var gcs = (GC.CollectionCount(0) - gcBefore.Item1, GC.CollectionCount(1) - gcBefore.Item2, GC.CollectionCount(2) - gcBefore.Item3);

            Console.WriteLine($"  executions: {executions:N0} in {elapsed.TotalSeconds:F2}s = {executions / elapsed.TotalSeconds:N1} executions/s ({failed} not SUCCEEDED)");
            Console.WriteLine($"  state transitions: {transitions:N0} = {transitions / elapsed.TotalSeconds:N0} transitions/s ({(double)transitions / executions:F0} per execution)");
            Console.WriteLine($"  runner transactions: {transactions:N0} ({(double)transactions / executions:F2} per execution); process CPU {cpu.TotalSeconds:F1}s = {cpu.TotalMilliseconds * 1000 / executions:F0} µs per execution");
            Console.WriteLine($"  allocated {allocated / executions / 1024.0:F0} KiB per execution; collections gen0 {gcs.Item1}, gen1 {gcs.Item2}, gen2 {gcs.Item3}");
            return failed == 0 ? 0 : 1;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<(long Executions, long Transitions, TimeSpan Elapsed, long Failed)> Run(WorkflowService workflows, TimeSpan duration, string prefix)
    {
        long executions = 0, transitions = 0, failed = 0;
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < duration)
        {
            var started = await workflows.StartAsync(new StartRequest("bench", AslObject.Empty, $"{prefix}-{executions}"), CancellationToken.None);
            var ended = await workflows.WaitAsync(started.ExecutionId, TimeSpan.FromSeconds(30), CancellationToken.None);
            executions++;
            transitions += ended!.Transitions;
            if (ended.Status != ExecutionStatus.Succeeded) failed++;
        }
        return (executions, transitions, stopwatch.Elapsed, failed);
    }
}
