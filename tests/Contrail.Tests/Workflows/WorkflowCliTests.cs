using System.CommandLine;
using Contrail.Cli;

namespace Contrail.Tests.Workflows;

/// <summary><c>contrail workflows ...</c> against a real server over HTTP.</summary>
public sealed class WorkflowCliTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private async Task<(int Code, string Output, string Error)> Contrail(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await ContrailCli.RunAsync(["workflows", .. args, "--url", _server.Url, "--api-key", _server.ApiKey],
            new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Deploy_start_describe_history_list_and_stop()
    {
        var file = Path.Combine(_server.DataDir, "hello.asl.json");
        await File.WriteAllTextAsync(file, """{"StartAt": "Hi", "States": {"Hi": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('hi {}', $.who)"}, "End": true}}}""");
        var deployed = await Contrail("deploy", "hello", "--definition", file);
        Assert.Equal(0, deployed.Code);
        Assert.Equal(1, (int)JsonNode.Parse(deployed.Output)!["version"]!);

        var started = await Contrail("start", "hello", "--input", """{"who": "ops"}""", "--name", "first", "--wait", "10");
        Assert.True(started.Code == 0, started.Error);
        var execution = JsonNode.Parse(started.Output)!;
        Assert.Equal("SUCCEEDED", (string?)execution["status"]);
        Assert.Equal("hi ops", (string?)execution["output"]!["greeting"]);

        var described = await Contrail("describe", "hello:first");
        Assert.Equal("SUCCEEDED", (string?)JsonNode.Parse(described.Output)!["status"]);
        var history = await Contrail("history", "hello:first");
        Assert.Equal("ExecutionSucceeded", (string?)JsonNode.Parse(history.Output)!["events"]!.AsArray()[^1]!["type"]);
        var machines = await Contrail("list");
        Assert.Contains("hello", JsonNode.Parse(machines.Output)!["items"]!.AsArray().Select(m => (string?)m!["name"]));
        var executions = await Contrail("list", "hello", "--status", "SUCCEEDED");
        Assert.Equal("hello:first", (string?)JsonNode.Parse(executions.Output)!["items"]![0]!["execution_id"]);
        var stopped = await Contrail("stop", "hello:first", "--error", "Late");
        Assert.Equal("SUCCEEDED", (string?)JsonNode.Parse(stopped.Output)!["status"]);
    }

    [Fact]
    public async Task A_refused_request_prints_the_problem_and_exits_1()
    {
        var missing = await Contrail("describe", "hello:none");
        Assert.Equal(1, missing.Code);
        Assert.Contains("404", missing.Error);
        var badInput = await Contrail("start", "hello", "--input", "{not json");
        Assert.Equal(2, badInput.Code);
        var unreachable = await ContrailCli.RunAsync(["workflows", "list", "--url", "http://127.0.0.1:1"],
            new InvocationConfiguration { Output = new StringWriter(), Error = new StringWriter() });
        Assert.Equal(2, unreachable);
    }
}
