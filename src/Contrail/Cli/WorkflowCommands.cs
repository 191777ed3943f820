using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Contrail.Cli;

/// <summary>
/// <c>contrail workflows ...</c>: state machines and executions on a running server, over its HTTP API. Prints the
/// server's JSON; exits 0 on success, 1 when the server refused (its problem is printed), 2 when it could not be asked.
/// </summary>
internal static class WorkflowCommands
{
    private static readonly Option<string> UrlOption = new("--url")
    {
        Description = "The server (default: CONTRAIL_URL, else http://127.0.0.1:8080)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONTRAIL_URL") is { Length: > 0 } url ? url : Server.ContrailServer.DefaultUrls,
    };

    private static readonly Option<string?> ApiKeyOption = new("--api-key")
    {
        Description = "The API key (default: CONTRAIL_API_KEY)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONTRAIL_API_KEY"),
    };

    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var command = new Command("workflows", "State machines and executions on a running server") { UrlOption, ApiKeyOption };

        var machineArgument = new Argument<string?>("state-machine") { Description = "List this state machine's executions (default: list the state machines)", Arity = ArgumentArity.ZeroOrOne };
        var status = new Option<string?>("--status") { Description = "Only executions with this status: RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED" };
        var limit = new Option<int>("--limit") { Description = "At most this many (default 50)", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List the state machines, or one state machine's executions (newest first)") { machineArgument, status, limit };
        list.SetAction((parse, ct) =>
        {
            var machine = parse.GetValue(machineArgument);
            var query = $"?limit={parse.GetValue(limit)}";
            if (parse.GetValue(status) is { } s) query += "&status=" + Uri.EscapeDataString(s);
            return machine is null
                ? SendAsync(parse, HttpMethod.Get, "/state-machines" + query, null, ct)
                : SendAsync(parse, HttpMethod.Get, "/executions" + query + "&state_machine=" + Uri.EscapeDataString(machine), null, ct);
        });

        var deployName = new Argument<string>("state-machine") { Description = "The state machine's name" };
        var definition = new Option<string>("--definition") { Description = "The ASL definition: a JSON file, or the JSON itself", Required = true };
        var deploy = new Command("deploy", "Create or update a state machine from an ASL definition") { deployName, definition };
        deploy.SetAction((parse, ct) =>
        {
            var json = JsonArgument(parse, parse.GetValue(definition)!, "--definition");
            if (json is null) return Task.FromResult(2);
            return SendAsync(parse, HttpMethod.Put, "/state-machines/" + Uri.EscapeDataString(parse.GetValue(deployName)!),
                new JsonObject { ["definition"] = json }, ct);
        });

        var startName = new Argument<string>("state-machine") { Description = "The state machine to run" };
        var input = new Option<string?>("--input") { Description = "The input: a JSON file, or the JSON itself (default {})" };
        var name = new Option<string?>("--name") { Description = "The execution's name; the same name and input start it once" };
        var wait = new Option<int>("--wait") { Description = "Wait up to this many seconds for the execution to end, then describe it" };
        var start = new Command("start", "Start an execution") { startName, input, name, wait };
        start.SetAction(async (parse, ct) =>
        {
            var body = new JsonObject();
            if (parse.GetValue(input) is { } inputArgument)
            {
                var json = JsonArgument(parse, inputArgument, "--input");
                if (json is null) return 2;
                body["input"] = json;
            }
            if (parse.GetValue(name) is { } executionName) body["name"] = executionName;
            var seconds = parse.GetValue(wait);
            var path = "/state-machines/" + Uri.EscapeDataString(parse.GetValue(startName)!) + "/executions";
            if (seconds <= 0) return await SendAsync(parse, HttpMethod.Post, path, body, ct);
            var (code, started) = await CallAsync(parse, HttpMethod.Post, path, body, ct);
            if (code != 0 || started is null) return code;
            return await DescribeAsync(parse, (string)started["execution_id"]!, seconds, ct);
        });

        var idArgument = new Argument<string>("execution") { Description = "The execution id (state-machine:name) or its ARN" };
        var describeWait = new Option<int>("--wait") { Description = "Wait up to this many seconds for the execution to end" };
        var describe = new Command("describe", "An execution: status, input, output, error, cause") { idArgument, describeWait };
        describe.SetAction((parse, ct) => DescribeAsync(parse, parse.GetValue(idArgument)!, parse.GetValue(describeWait), ct));

        var historyId = new Argument<string>("execution") { Description = "The execution id (state-machine:name) or its ARN" };
        var reverse = new Option<bool>("--reverse") { Description = "Newest event first" };
        var history = new Command("history", "An execution's history, every page, as AWS GetExecutionHistory shapes its events") { historyId, reverse };
        history.SetAction(async (parse, ct) =>
        {
            var events = new JsonArray();
            string? cursor = null;
            do
            {
                var path = $"/executions/{Uri.EscapeDataString(parse.GetValue(historyId)!)}/history?limit=1000&reverse={(parse.GetValue(reverse) ? "true" : "false")}";
                if (cursor is not null) path += "&cursor=" + Uri.EscapeDataString(cursor);
                var (code, page) = await CallAsync(parse, HttpMethod.Get, path, null, ct);
                if (code != 0 || page is null) return code;
                foreach (var e in page["events"]!.AsArray()) events.Add(e!.DeepClone());
                cursor = (string?)page["nextToken"];
            }
            while (cursor is not null);
            await Print(parse, new JsonObject { ["events"] = events });
            return 0;
        });

        var stopId = new Argument<string>("execution") { Description = "The execution id (state-machine:name) or its ARN" };
        var error = new Option<string?>("--error") { Description = "The error to record" };
        var cause = new Option<string?>("--cause") { Description = "The cause to record" };
        var stop = new Command("stop", "Stop a running execution (ABORTED)") { stopId, error, cause };
        stop.SetAction((parse, ct) =>
        {
            var body = new JsonObject();
            if (parse.GetValue(error) is { } e) body["error"] = e;
            if (parse.GetValue(cause) is { } c) body["cause"] = c;
            return SendAsync(parse, HttpMethod.Post, $"/executions/{Uri.EscapeDataString(parse.GetValue(stopId)!)}/stop", body, ct);
        });

        command.Subcommands.Add(list);
        command.Subcommands.Add(deploy);
        command.Subcommands.Add(start);
        command.Subcommands.Add(describe);
        command.Subcommands.Add(history);
        command.Subcommands.Add(stop);
        return command;
    }

    private static Task<int> DescribeAsync(ParseResult parse, string id, int waitSeconds, CancellationToken ct) =>
        SendAsync(parse, HttpMethod.Get, $"/executions/{Uri.EscapeDataString(id)}" + (waitSeconds > 0 ? $"?wait_seconds={Math.Min(waitSeconds, 60)}" : ""), null, ct);

    private static async Task<int> SendAsync(ParseResult parse, HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        var (code, answer) = await CallAsync(parse, method, path, body, ct);
        if (code == 0 && answer is not null) await Print(parse, answer);
        return code;
    }

    /// <summary>Calls the server: (0, its JSON) on success; (1, null) after printing its problem; (2, null) when it cannot be reached.</summary>
    private static async Task<(int Code, JsonNode? Answer)> CallAsync(ParseResult parse, HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        var error = parse.InvocationConfiguration.Error;
        using var client = new HttpClient { BaseAddress = new Uri(parse.GetValue(UrlOption)!), Timeout = TimeSpan.FromSeconds(90) };
        if (parse.GetValue(ApiKeyOption) is { Length: > 0 } key) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        try
        {
            using var response = await client.SendAsync(request, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                await error.WriteLineAsync($"contrail: {(int)response.StatusCode} {response.ReasonPhrase}");
                if (text.Length > 0) await error.WriteLineAsync(PrettyText(text));
                return (1, null);
            }
            return (0, text.Length == 0 ? new JsonObject() : JsonNode.Parse(text));
        }
        catch (HttpRequestException ex)
        {
            await error.WriteLineAsync($"contrail: cannot reach {parse.GetValue(UrlOption)}: {ex.Message}");
            return (2, null);
        }
    }

    private static Task Print(ParseResult parse, JsonNode node) => parse.InvocationConfiguration.Output.WriteLineAsync(node.ToJsonString(Pretty));

    private static string PrettyText(string text)
    {
        try { return JsonNode.Parse(text)?.ToJsonString(Pretty) ?? text; }
        catch (JsonException) { return text; }
    }

    /// <summary>An argument that is JSON itself, or the path of a file holding it; null (after saying why) otherwise.</summary>
    private static JsonNode? JsonArgument(ParseResult parse, string argument, string option)
    {
        var text = File.Exists(argument) ? File.ReadAllText(argument) : argument;
        try
        {
            return JsonNode.Parse(text) ?? JsonValue.Create((string?)null);
        }
        catch (JsonException ex)
        {
            parse.InvocationConfiguration.Error.WriteLine($"contrail: {option}: neither JSON nor a file that exists ({ex.Message})");
            return null;
        }
    }
}
