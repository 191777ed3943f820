using Contrail.Functions;

namespace Contrail.Tests.Workflows;

public sealed class WorkflowSmokeTests
{
    [Fact]
    public async Task A_pass_machine_runs_to_success()
    {
        await using var server = await TestServer.StartAsync(services: s =>
        {
            s.AddTransactionalFunction("double", (_, ctx) => new JsonObject { ["n"] = (int)ctx.Input!["n"]! * 2 });
        });
        var client = server.Client;
        using var put = await client.PutJsonAsync("/state-machines/smoke", """
            {"definition": {"StartAt": "P", "States": {
              "P": {"Type": "Pass", "Result": {"n": 21}, "Next": "T"},
              "T": {"Type": "Task", "Resource": "contrail:function:double", "End": true}}}}
            """);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using var start = await client.PostJsonAsync("/state-machines/smoke/executions", """{"input": {"a": 1}}""");
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        var id = (string)(await start.JsonAsync())["execution_id"]!;
        var done = await Eventually.Until(() => client.GetJsonAsync($"/executions/{id}?wait_seconds=5"), e => (string?)e!["status"] != "RUNNING");
        Assert.True("SUCCEEDED" == (string?)done!["status"], done.ToJsonString());
        Assert.Equal(42, (int)done["output"]!["n"]!);
        var history = await client.GetJsonAsync($"/executions/{id}/history");
        TestContext.Current.TestOutputHelper?.WriteLine(history?.ToJsonString() ?? "no history");
        Assert.Equal("ExecutionStarted", (string?)history!["events"]![0]!["type"]);
    }
}
