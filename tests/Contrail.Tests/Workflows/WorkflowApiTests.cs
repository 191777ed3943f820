namespace Contrail.Tests.Workflows;

/// <summary>The state machine and execution API over real HTTP: status codes, shapes, idempotent starts, paging, stop.</summary>
public sealed class WorkflowApiTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private HttpClient Client => _server.Client;

    private const string Hello = """{"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Result": {"hello": "world"}, "End": true}}}""";

    private const string Sleep = """{"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 600, "End": true}}}""";

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Put_creates_then_versions_changes_and_leaves_an_identical_definition_alone()
    {
        using var created = await Client.PutJsonAsync("/state-machines/hello", $$"""{"definition": {{Hello}}}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.JsonAsync();
        Assert.Equal(1, (int)body["version"]!);
        Assert.Equal("STANDARD", (string?)body["type"]);
        Assert.Equal("arn:aws:states:local:000000000000:stateMachine:hello", (string?)body["state_machine_arn"]);
        Assert.Equal("world", (string?)body["definition"]!["States"]!["Hello"]!["Result"]!["hello"]);

        // The same definition as a string, keys in another order: unchanged.
        var reordered = """{"States": {"Hello": {"End": true, "Result": {"hello": "world"}, "Type": "Pass"}}, "StartAt": "Hello"}""";
        using var same = await Client.PutJsonAsync("/state-machines/hello", new JsonObject { ["definition"] = reordered }.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.Equal(1, (int)(await same.JsonAsync())["version"]!);

        using var changed = await Client.PutJsonAsync("/state-machines/hello", $$"""{"definition": {{Hello.Replace("world", "there")}}}""");
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(2, (int)(await changed.JsonAsync())["version"]!);

        var got = await Client.GetJsonAsync("/state-machines/hello");
        Assert.Equal(2, (int)got!["version"]!);
        var ended = await Client.RunAsync("hello");
        Assert.Equal("there", (string?)ended["output"]!["hello"]);
        Assert.Equal(2, (int)ended["state_machine_version"]!);
    }

    [Fact]
    public async Task An_invalid_definition_is_refused_with_every_problem_listed()
    {
        using var response = await Client.PutJsonAsync("/state-machines/broken", """
            {"definition": {"StartAt": "Missing", "States": {
               "A": {"Type": "Pass", "Next": "Nowhere"},
               "B": {"Type": "Task", "End": true},
               "C": {"Type": "Choice", "Choices": []}}}}
            """);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.Errors();
        Assert.True(errors.Count >= 4, string.Join("\n", errors));
        Assert.All(errors, e => Assert.StartsWith("/definition", e));
        Assert.Null(await Client.GetJsonAsync("/state-machines/broken"));
    }

    [Fact]
    public async Task Starting_with_the_same_name_and_input_is_the_same_execution_and_another_input_conflicts()
    {
        await Client.PutMachineAsync("sleepy", Sleep);
        var input = new JsonObject { ["order"] = 7 };
        using var first = await Client.PostJsonAsync("/state-machines/sleepy/executions", new JsonObject { ["name"] = "order-7", ["input"] = input.DeepClone() }.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var id = (string)(await first.JsonAsync())["execution_id"]!;
        Assert.Equal("sleepy:order-7", id);

        using var again = await Client.PostJsonAsync("/state-machines/sleepy/executions", new JsonObject { ["name"] = "order-7", ["input"] = input.DeepClone() }.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(id, (string)(await again.JsonAsync())["execution_id"]!);

        using var other = await Client.PostJsonAsync("/state-machines/sleepy/executions", """{"name": "order-7", "input": {"order": 8}}""");
        await other.ProblemAsync(HttpStatusCode.Conflict);

        var list = await Client.GetJsonAsync("/executions?state_machine=sleepy");
        Assert.Single(list!["items"]!.AsArray());
    }

    [Fact]
    public async Task Stop_aborts_a_running_execution_and_its_history_ends_with_ExecutionAborted()
    {
        await Client.PutMachineAsync("sleepy", Sleep);
        var id = await Client.StartAsync("sleepy");
        await Eventually.Until(async () => (await Client.HistoryAsync(id)).Count, n => n >= 2, because: "the Wait state to be entered");
        using var stop = await Client.PostJsonAsync($"/executions/{id}/stop", """{"error": "Operator", "cause": "no longer needed"}""");
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        var stopped = await stop.JsonAsync();
        Assert.Equal("ABORTED", (string?)stopped["status"]);
        Assert.Equal("Operator", (string?)stopped["error"]);
        Assert.Equal("no longer needed", (string?)stopped["cause"]);
        var history = await Client.HistoryAsync(id);
        Assert.Equal("ExecutionAborted", (string?)history[^1]["type"]);
        Assert.Equal("Operator", (string?)history[^1]["executionAbortedEventDetails"]!["error"]);

        // Stopping an ended execution changes nothing.
        using var again = await Client.PostJsonAsync($"/executions/{id}/stop", "{}");
        Assert.Equal("ABORTED", (string?)(await again.JsonAsync())["status"]);
    }

    [Fact]
    public async Task History_pages_forwards_and_backwards_in_AWS_shape()
    {
        await Client.PutMachineAsync("loop", """
            {"StartAt": "Init", "States": {
              "Init": {"Type": "Pass", "Result": {"n": 0}, "Next": "Inc"},
              "Inc": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Check"},
              "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThan": 20, "Next": "Inc"}], "Default": "Done"},
              "Done": {"Type": "Succeed"}}}
            """);
        var id = (string)(await Client.RunAsync("loop"))["execution_id"]!;
        var all = await Client.HistoryAsync(id);
        Assert.Equal(Enumerable.Range(1, all.Count), all.Select(e => (int)e["id"]!));
        Assert.Equal("ExecutionStarted", (string?)all[0]["type"]);
        Assert.Equal("ExecutionSucceeded", (string?)all[^1]["type"]);
        Assert.Equal("{\"n\":20}", (string?)all[^1]["executionSucceededEventDetails"]!["output"]);
        Assert.Equal(all[1]["id"]!.GetValue<int>() - 1, (int)all[1]["previousEventId"]!);

        var paged = new List<int>();
        string? cursor = null;
        do
        {
            var page = await Client.GetJsonAsync($"/executions/{id}/history?limit=7" + (cursor is null ? "" : "&cursor=" + cursor));
            var events = page!["events"]!.AsArray();
            Assert.True(events.Count <= 7);
            paged.AddRange(events.Select(e => (int)e!["id"]!));
            cursor = (string?)page["nextToken"];
        }
        while (cursor is not null);
        Assert.Equal(all.Select(e => (int)e["id"]!), paged);

        var reversed = new List<int>();
        cursor = null;
        do
        {
            var page = await Client.GetJsonAsync($"/executions/{id}/history?reverse=true&limit=9" + (cursor is null ? "" : "&cursor=" + cursor));
            reversed.AddRange(page!["events"]!.AsArray().Select(e => (int)e!["id"]!));
            cursor = (string?)page["nextToken"];
        }
        while (cursor is not null);
        Assert.Equal(all.Select(e => (int)e["id"]!).Reverse(), reversed);
    }

    [Fact]
    public async Task Executions_list_newest_first_filtered_and_paged()
    {
        await Client.PutMachineAsync("hello", Hello);
        await Client.PutMachineAsync("sleepy", Sleep);
        var done = new List<string>();
        for (var i = 0; i < 3; i++) done.Add((string)(await Client.RunAsync("hello"))["execution_id"]!);
        var running = await Client.StartAsync("sleepy");

        var succeeded = await Client.GetJsonAsync("/executions?status=SUCCEEDED&state_machine=hello&limit=2");
        Assert.Equal([done[2], done[1]], succeeded!["items"]!.AsArray().Select(e => (string)e!["execution_id"]!));
        var next = await Client.GetJsonAsync("/executions?status=SUCCEEDED&state_machine=hello&limit=2&cursor=" + (string)succeeded["next_cursor"]!);
        Assert.Equal([done[0]], next!["items"]!.AsArray().Select(e => (string)e!["execution_id"]!));
        Assert.Null((string?)next["next_cursor"]);

        var runningList = await Client.GetJsonAsync("/executions?status=RUNNING");
        Assert.Equal([running], runningList!["items"]!.AsArray().Select(e => (string)e!["execution_id"]!));
        // Applications declare state machines of their own: page through all of them.
        var names = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Client.GetJsonAsync("/state-machines?limit=1" + (cursor is null ? "" : "&cursor=" + cursor));
            Assert.Single(page!["items"]!.AsArray());
            names.Add((string)page["items"]![0]!["name"]!);
            cursor = (string?)page["next_cursor"];
        }
        while (cursor is not null);
        Assert.Contains("hello", names);
        Assert.Contains("sleepy", names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public async Task Delete_removes_the_machine_but_its_executions_stay_readable()
    {
        await Client.PutMachineAsync("hello", Hello);
        var id = (string)(await Client.RunAsync("hello"))["execution_id"]!;
        using var deleted = await Client.DeleteAsync("/state-machines/hello");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await (await Client.GetAsync("/state-machines/hello")).ProblemAsync(HttpStatusCode.NotFound);
        await (await Client.PostJsonAsync("/state-machines/hello/executions", "{}")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("SUCCEEDED", (string?)(await Client.GetJsonAsync($"/executions/{id}"))!["status"]);
        // The execution ARN works as an id too.
        Assert.Equal(id, (string?)(await Client.GetJsonAsync($"/executions/{Uri.EscapeDataString("arn:aws:states:local:000000000000:execution:" + id)}"))!["execution_id"]);
    }

    [Fact]
    public async Task Every_endpoint_answers_bad_input_with_a_problem()
    {
        await Client.PutMachineAsync("hello", Hello);
        var id = (string)(await Client.RunAsync("hello"))["execution_id"]!;

        async Task Expect(HttpStatusCode status, Func<Task<HttpResponseMessage>> call, string? pointer = null)
        {
            using var response = await call();
            var problem = await response.ProblemAsync(status);
            if (pointer is not null) Assert.Contains(problem.Errors(), e => e.StartsWith(pointer + ":", StringComparison.Ordinal));
        }

        // PUT /state-machines/{name}
        await Expect(HttpStatusCode.BadRequest, () => Client.PutJsonAsync("/state-machines/bad%20name", $$"""{"definition": {{Hello}}}"""), "/name");
        await Expect(HttpStatusCode.BadRequest, () => Client.PutJsonAsync("/state-machines/x", "{not json"));
        await Expect(HttpStatusCode.BadRequest, () => Client.PutJsonAsync("/state-machines/x", "[]"));
        await Expect(HttpStatusCode.BadRequest, () => Client.PutJsonAsync("/state-machines/x", "{}"), "/definition");
        await Expect(HttpStatusCode.BadRequest, () => Client.PutJsonAsync("/state-machines/x", """{"definition": 5}"""), "/definition");
        await Expect(HttpStatusCode.BadRequest, () => Client.PutJsonAsync("/state-machines/x", """{"definition": "{oops"}"""), "/definition");
        await Expect(HttpStatusCode.BadRequest, () => Client.PutJsonAsync("/state-machines/x", $$"""{"definition": {{Hello}}, "type": "FAST"}"""), "/type");
        // GET/DELETE /state-machines/{name}, GET /state-machines
        await Expect(HttpStatusCode.NotFound, () => Client.GetAsync("/state-machines/none"));
        await Expect(HttpStatusCode.NotFound, () => Client.DeleteAsync("/state-machines/none"));
        await Expect(HttpStatusCode.BadRequest, () => Client.GetAsync("/state-machines?limit=0"), "/limit");
        await Expect(HttpStatusCode.BadRequest, () => Client.GetAsync("/state-machines?cursor=%%%"), "/cursor");
        // POST /state-machines/{name}/executions
        await Expect(HttpStatusCode.NotFound, () => Client.PostJsonAsync("/state-machines/none/executions", "{}"));
        await Expect(HttpStatusCode.BadRequest, () => Client.PostJsonAsync("/state-machines/hello/executions", "[1]"));
        await Expect(HttpStatusCode.BadRequest, () => Client.PostJsonAsync("/state-machines/hello/executions", """{"name": 5}"""), "/name");
        await Expect(HttpStatusCode.BadRequest, () => Client.PostJsonAsync("/state-machines/hello/executions", """{"name": "a/b"}"""), "/name");
        await Expect(HttpStatusCode.BadRequest, () => Client.PostJsonAsync("/state-machines/hello/executions", "{\"input\": \"" + new string('x', 300_000) + "\"}"), "/input");
        // GET /executions
        await Expect(HttpStatusCode.BadRequest, () => Client.GetAsync("/executions?status=DONE"), "/status");
        await Expect(HttpStatusCode.BadRequest, () => Client.GetAsync("/executions?state_machine=a%3Ab"), "/state_machine");
        await Expect(HttpStatusCode.BadRequest, () => Client.GetAsync("/executions?cursor=" + Contrail.Http.PageRequest.Encode("x")), "/cursor");
        // GET /executions/{id}, history, stop
        await Expect(HttpStatusCode.NotFound, () => Client.GetAsync("/executions/hello:none"));
        await Expect(HttpStatusCode.BadRequest, () => Client.GetAsync($"/executions/{id}?wait_seconds=99"), "/wait_seconds");
        await Expect(HttpStatusCode.NotFound, () => Client.GetAsync("/executions/hello:none/history"));
        await Expect(HttpStatusCode.BadRequest, () => Client.GetAsync($"/executions/{id}/history?reverse=maybe"), "/reverse");
        await Expect(HttpStatusCode.BadRequest, () => Client.GetAsync($"/executions/{id}/history?cursor=" + Contrail.Http.PageRequest.Encode("x")), "/cursor");
        await Expect(HttpStatusCode.NotFound, () => Client.PostJsonAsync("/executions/hello:none/stop", "{}"));
        await Expect(HttpStatusCode.BadRequest, () => Client.PostJsonAsync($"/executions/{id}/stop", """{"error": 1}"""), "/error");
        await Expect(HttpStatusCode.BadRequest, () => Client.PostJsonAsync($"/executions/{id}/stop", "\"stop\""));
        // Task tokens
        await Expect(HttpStatusCode.BadRequest, () => Client.PostJsonAsync("/task-tokens/success", """{"output": {}}"""), "/task_token");
        await Expect(HttpStatusCode.BadRequest, () => Client.PostJsonAsync("/task-tokens/success", """{"task_token": "t"}"""), "/output");
        await Expect(HttpStatusCode.NotFound, () => Client.PostJsonAsync("/task-tokens/success", """{"task_token": "unknown", "output": 1}"""));
        await Expect(HttpStatusCode.NotFound, () => Client.PostJsonAsync("/task-tokens/failure", """{"task_token": "unknown"}"""));
        await Expect(HttpStatusCode.BadRequest, () => Client.PostJsonAsync("/task-tokens/failure", """{"task_token": "t", "cause": []}"""), "/cause");
        await Expect(HttpStatusCode.NotFound, () => Client.PostJsonAsync("/task-tokens/heartbeat", """{"task_token": "unknown"}"""));
        // Keys and scopes
        using var anonymous = _server.CreateClient(null);
        using var unauthorized = await anonymous.GetAsync("/executions");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }
}
