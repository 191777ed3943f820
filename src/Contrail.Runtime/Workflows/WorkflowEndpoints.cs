using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Contrail.Auth;
using Contrail.Events;
using Contrail.Http;
using Contrail.Storage;
using Contrail.Workflows.Asl;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Contrail.Workflows;

/// <summary>
/// The workflow API: state machines (versioned ASL definitions), executions, their history in AWS's
/// GetExecutionHistory shape (a compatibility contract: camelCase), stops and task-token callbacks.
/// </summary>
public static class WorkflowEndpoints
{
    public static IEndpointRouteBuilder MapWorkflows(this IEndpointRouteBuilder app)
    {
        var machines = app.MapGroup("/state-machines").WithTags("Workflows");
        machines.MapGet("", ListStateMachines).RequireAuthorization(Scopes.Read).WithSummary("State machines, by name");
        machines.MapGet("/{name}", GetStateMachine).RequireAuthorization(Scopes.Read).WithSummary("A state machine's current version and definition");
        machines.MapPut("/{name}", PutStateMachine).RequireAuthorization(Scopes.Admin)
            .WithSummary("Create (201) or update (200, a new version) a state machine from {\"definition\": ASL object or string, \"type\"?}");
        machines.MapDelete("/{name}", DeleteStateMachine).RequireAuthorization(Scopes.Admin)
            .WithSummary("Delete a state machine; running executions finish on their version");
        machines.MapPost("/{name}/executions", StartExecution).RequireAuthorization(Scopes.Ingest)
            .WithSummary("Start an execution from {\"input\"?, \"name\"?}; the same name and input is the same execution");

        var executions = app.MapGroup("/executions").WithTags("Workflows");
        executions.MapGet("", ListExecutions).RequireAuthorization(Scopes.Read).WithSummary("Executions, newest first (?state_machine=&status=)");
        executions.MapGet("/{id}", GetExecution).RequireAuthorization(Scopes.Read)
            .WithSummary("An execution: status, input, output, error, cause (?wait_seconds= waits for it to end)");
        executions.MapGet("/{id}/history", GetHistory).RequireAuthorization(Scopes.Read)
            .WithSummary("The execution's history as AWS GetExecutionHistory shapes it (?limit=&cursor=&reverse=)");
        executions.MapPost("/{id}/stop", StopExecution).RequireAuthorization(Scopes.Admin)
            .WithSummary("Stop a running execution (ABORTED) with an optional {\"error\", \"cause\"}");

        var tokens = app.MapGroup("/task-tokens").WithTags("Workflows");
        tokens.MapPost("/success", SendTaskSuccess).RequireAuthorization(Scopes.Ingest).WithSummary("SendTaskSuccess: {\"task_token\", \"output\"}");
        tokens.MapPost("/failure", SendTaskFailure).RequireAuthorization(Scopes.Ingest).WithSummary("SendTaskFailure: {\"task_token\", \"error\"?, \"cause\"?}");
        tokens.MapPost("/heartbeat", SendTaskHeartbeat).RequireAuthorization(Scopes.Ingest).WithSummary("SendTaskHeartbeat: {\"task_token\"}");
        return app;
    }

    // ------------------------------------------------------------------ state machines

    public sealed record StateMachineView(string Name, string StateMachineArn, int Version, string Type, string Origin, JsonNode? Definition,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public static StateMachineView From(StoredStateMachine m) => new(m.Name, WorkflowArns.StateMachine(m.Name), m.Version, m.Type, m.Origin,
            JsonNode.Parse(m.Definition), DateTimeOffset.FromUnixTimeMilliseconds(m.CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(m.UpdatedAt));
    }

    private static IResult ListStateMachines(HttpRequest request, Store store)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        var rows = store.Read(r => r.StateMachineList(page.Position ?? "", page.Limit + 1));
        return TypedResults.Ok(Page<StateMachineView>.From(rows, page.Limit, StateMachineView.From, m => m.Name));
    }

    private static IResult GetStateMachine(string name, WorkflowService workflows) =>
        workflows.GetStateMachine(name) is { } machine ? TypedResults.Ok(StateMachineView.From(machine)) : Problems.NotFound($"No state machine named '{name}'");

    private static async Task<IResult> PutStateMachine(string name, HttpRequest request, WorkflowService workflows, CancellationToken ct)
    {
        if (!WorkflowArns.IsValidName(name)) return Problems.Validation("/name", "a state machine name is " + WorkflowArns.NameRule);
        var (document, problem) = await JsonBody.ReadAsync(request, JsonBody.DefaultLimit, ct);
        if (document is null) return problem!;
        string definition;
        var type = StateMachineRegistry.Standard;
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Problems.Validation("", "the body must be a JSON object: {\"definition\": ...}");
            if (!root.TryGetProperty("definition", out var given)) return Problems.Validation("/definition", "required: the ASL definition, as a JSON object or a string holding one");
            switch (given.ValueKind)
            {
                case JsonValueKind.Object:
                    definition = given.GetRawText();
                    break;
                case JsonValueKind.String:
                    definition = given.GetString()!;
                    try
                    {
                        using var parsed = JsonDocument.Parse(definition);
                        if (parsed.RootElement.ValueKind != JsonValueKind.Object) return Problems.Validation("/definition", "the string must hold a JSON object");
                    }
                    catch (JsonException ex)
                    {
                        return Problems.Validation("/definition", "the string is not valid JSON: " + ex.Message);
                    }
                    break;
                default:
                    return Problems.Validation("/definition", "must be the ASL definition: a JSON object or a string holding one");
            }
            if (root.TryGetProperty("type", out var typeElement))
            {
                type = typeElement.ValueKind == JsonValueKind.String ? typeElement.GetString()! : "";
                if (type is not (StateMachineRegistry.Standard or StateMachineRegistry.Express))
                    return Problems.Validation("/type", "must be STANDARD or EXPRESS");
            }
        }
        var problems = StateMachineRegistry.Validate(definition, type);
        if (problems.Count > 0)
            return Problems.Validation(problems.Select(p => new FieldError("/definition" + p.Pointer, p.StateName is null ? p.Message : $"{p.Message} (state '{p.StateName}')")),
                "The state machine definition is not valid");
        if (workflows.GetStateMachine(name) is { Origin: WorkflowService.OriginApplication })
            return Problems.Conflict($"State machine '{name}' is declared by an application; change it there");
        var (machine, change) = await workflows.SaveStateMachineAsync(name, definition, type, WorkflowService.OriginApi, ct);
        var view = StateMachineView.From(machine);
        return change == StateMachineChange.Created ? TypedResults.Created($"/state-machines/{name}", view) : TypedResults.Ok(view);
    }

    private static async Task<IResult> DeleteStateMachine(string name, WorkflowService workflows, CancellationToken ct)
    {
        var machine = workflows.GetStateMachine(name);
        if (machine is null) return Problems.NotFound($"No state machine named '{name}'");
        if (machine.Origin == WorkflowService.OriginApplication)
            return Problems.Conflict($"State machine '{name}' is declared by an application; it cannot be deleted through the API");
        return await workflows.DeleteStateMachineAsync(name, ct) ? TypedResults.NoContent() : Problems.NotFound($"No state machine named '{name}'");
    }

    // ------------------------------------------------------------------ executions

    public sealed record StartedExecution(string ExecutionId, string ExecutionArn, DateTimeOffset StartedAt);

    private static async Task<IResult> StartExecution(string name, HttpRequest request, WorkflowService workflows, CancellationToken ct)
    {
        AslValue input = AslObject.Empty;
        string? executionName = null;
        if (request.ContentLength is not 0 && (request.ContentLength is not null || request.Headers.ContainsKey("Transfer-Encoding")))
        {
            var (document, problem) = await JsonBody.ReadAsync(request, JsonBody.DefaultLimit, ct);
            if (document is null) return problem!;
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) return Problems.Validation("", "the body must be a JSON object: {\"input\"?: any JSON, \"name\"?: string}");
                if (root.TryGetProperty("input", out var given)) input = AslValue.FromJsonElement(given);
                if (root.TryGetProperty("name", out var givenName))
                {
                    if (givenName.ValueKind != JsonValueKind.String) return Problems.Validation("/name", "must be a string: " + WorkflowArns.NameRule);
                    executionName = givenName.GetString();
                }
            }
        }
        if (executionName is not null && !WorkflowArns.IsValidName(executionName)) return Problems.Validation("/name", "an execution name is " + WorkflowArns.NameRule);
        try
        {
            var started = await workflows.StartAsync(new StartRequest(name, input, executionName), ct);
            var body = new StartedExecution(started.ExecutionId, started.ExecutionArn, started.StartedAt);
            return started.Created ? TypedResults.Created($"/executions/{started.ExecutionId}", body) : TypedResults.Ok(body);
        }
        catch (WorkflowStartException ex)
        {
            return ex.Failure switch
            {
                StartFailure.StateMachineNotFound => Problems.NotFound(ex.Message),
                StartFailure.AlreadyExists => Problems.Conflict(ex.Message),
                StartFailure.InputTooLarge => Problems.Validation("/input", ex.Message),
                _ => Problems.Validation("/name", ex.Message),
            };
        }
        catch (StoreSaturatedException)
        {
            return Problems.Saturated();
        }
    }

    public sealed record ExecutionSummary(string ExecutionId, string ExecutionArn, string StateMachine, int StateMachineVersion, string Name, string Status,
        DateTimeOffset StartedAt, DateTimeOffset? StoppedAt);

    public sealed record ExecutionView(string ExecutionId, string ExecutionArn, string StateMachine, int StateMachineVersion, string Name, string Status,
        JsonNode? Input, JsonNode? Output, string? Error, string? Cause, DateTimeOffset StartedAt, DateTimeOffset? StoppedAt, long Transitions, string? StartedBy)
    {
        public static ExecutionView From(StoredExecution e) => new(e.Id, WorkflowArns.Execution(e.StateMachine, e.Name), e.StateMachine, e.Version, e.Name,
            e.Status, JsonNode.Parse(e.Input), e.Output is null ? null : JsonNode.Parse(e.Output), e.Error, e.Cause,
            DateTimeOffset.FromUnixTimeMilliseconds(e.StartedAt), e.StoppedAt is { } s ? DateTimeOffset.FromUnixTimeMilliseconds(s) : null,
            e.Transitions, e.StartedBy);
    }

    private static IResult ListExecutions(HttpRequest request, Store store, string? state_machine, string? status)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        long before = long.MaxValue;
        if (page.Position is not null && !long.TryParse(page.Position, NumberStyles.None, CultureInfo.InvariantCulture, out before))
            return Problems.Validation("/cursor", "is not a cursor this server gave out");
        if (status is not null && !ExecutionStatus.All.Contains(status))
            return Problems.Validation("/status", "must be one of " + string.Join(", ", ExecutionStatus.All));
        if (state_machine is not null && !WorkflowArns.IsValidName(state_machine))
            return Problems.Validation("/state_machine", "a state machine name is " + WorkflowArns.NameRule);
        var rows = store.Read(r => r.WorkflowExecutionList(before, state_machine, status, page.Limit + 1));
        return TypedResults.Ok(Page<ExecutionSummary>.From(rows, page.Limit,
            e => new ExecutionSummary(e.Id, WorkflowArns.Execution(e.StateMachine, e.Name), e.StateMachine, e.Version, e.Name, e.Status,
                DateTimeOffset.FromUnixTimeMilliseconds(e.StartedAt), e.StoppedAt is { } s ? DateTimeOffset.FromUnixTimeMilliseconds(s) : null),
            e => e.Seq.ToString(CultureInfo.InvariantCulture)));
    }

    private static async Task<IResult> GetExecution(string id, HttpRequest request, WorkflowService workflows, CancellationToken ct)
    {
        var waitText = request.Query["wait_seconds"].ToString();
        var wait = 0;
        if (waitText.Length > 0 && (!int.TryParse(waitText, NumberStyles.None, CultureInfo.InvariantCulture, out wait) || wait > 60))
            return Problems.Validation("/wait_seconds", "must be a whole number of seconds from 0 to 60");
        var execution = await workflows.WaitAsync(id, TimeSpan.FromSeconds(wait), ct);
        return execution is null ? Problems.NotFound($"No execution '{id}'") : TypedResults.Ok(ExecutionView.From(execution));
    }

    /// <summary>AWS GetExecutionHistory's response: <c>{"events": [...], "nextToken": ...}</c>, camelCase as AWS names it.</summary>
    public sealed record HistoryResponse(
        [property: JsonPropertyName("events")] IReadOnlyList<JsonNode?> Events,
        [property: JsonPropertyName("nextToken")] string? NextToken);

    private static IResult GetHistory(string id, HttpRequest request, WorkflowService workflows)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        long? position = null;
        if (page.Position is not null)
        {
            if (!long.TryParse(page.Position, NumberStyles.None, CultureInfo.InvariantCulture, out var p))
                return Problems.Validation("/cursor", "is not a cursor this server gave out");
            position = p;
        }
        var reverseText = request.Query["reverse"].ToString();
        if (reverseText.Length > 0 && reverseText is not ("true" or "false")) return Problems.Validation("/reverse", "must be true or false");
        var execution = workflows.GetExecution(id);
        if (execution is null) return Problems.NotFound($"No execution '{id}'");
        var history = workflows.History(execution, position, page.Limit, reverseText == "true");
        return TypedResults.Ok(new HistoryResponse(
            history.Events.Select(e => e.ToAwsJson().ToJsonNode()).ToList(),
            history.Next is { } next ? PageRequest.Encode(next.ToString(CultureInfo.InvariantCulture)) : null));
    }

    private static async Task<IResult> StopExecution(string id, HttpRequest request, WorkflowService workflows, CancellationToken ct)
    {
        string? error = null, cause = null;
        if (request.ContentLength is not 0 && (request.ContentLength is not null || request.Headers.ContainsKey("Transfer-Encoding")))
        {
            var (document, problem) = await JsonBody.ReadAsync(request, JsonBody.DefaultLimit, ct);
            if (document is null) return problem!;
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) return Problems.Validation("", "the body must be a JSON object: {\"error\"?, \"cause\"?}");
                if (!OptionalString(root, "error", 256, out error, out var errorProblem)) return errorProblem!;
                if (!OptionalString(root, "cause", 32_768, out cause, out var causeProblem)) return causeProblem!;
            }
        }
        if (workflows.GetExecution(id) is null) return Problems.NotFound($"No execution '{id}'");
        var stopped = await workflows.StopAsync(id, error, cause, ct);
        return stopped is null ? Problems.NotFound($"No execution '{id}'") : TypedResults.Ok(ExecutionView.From(stopped));
    }

    // ------------------------------------------------------------------ callbacks

    private static async Task<IResult> SendTaskSuccess(HttpRequest request, WorkflowService workflows, CancellationToken ct)
    {
        var (body, problem) = await ReadCallbackAsync(request, ct);
        if (body is null) return problem!;
        using (body)
        {
            if (!body.RootElement.TryGetProperty("output", out var output)) return Problems.Validation("/output", "required: the task's result, any JSON value");
            return Answer(await workflows.SendTaskSuccessAsync(Token(body), AslValue.FromJsonElement(output), ct));
        }
    }

    private static async Task<IResult> SendTaskFailure(HttpRequest request, WorkflowService workflows, CancellationToken ct)
    {
        var (body, problem) = await ReadCallbackAsync(request, ct);
        if (body is null) return problem!;
        using (body)
        {
            if (!OptionalString(body.RootElement, "error", 256, out var error, out var errorProblem)) return errorProblem!;
            if (!OptionalString(body.RootElement, "cause", 32_768, out var cause, out var causeProblem)) return causeProblem!;
            return Answer(await workflows.SendTaskFailureAsync(Token(body), error, cause, ct));
        }
    }

    private static async Task<IResult> SendTaskHeartbeat(HttpRequest request, WorkflowService workflows, CancellationToken ct)
    {
        var (body, problem) = await ReadCallbackAsync(request, ct);
        if (body is null) return problem!;
        using (body) return Answer(await workflows.SendTaskHeartbeatAsync(Token(body), ct));
    }

    private static async Task<(JsonDocument? Body, IResult? Problem)> ReadCallbackAsync(HttpRequest request, CancellationToken ct)
    {
        var (document, problem) = await JsonBody.ReadAsync(request, JsonBody.DefaultLimit, ct);
        if (document is null) return (null, problem);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("task_token", out var token) || token.ValueKind != JsonValueKind.String
            || token.GetString()!.Length is 0 or > 2048)
        {
            document.Dispose();
            return (null, Problems.Validation("/task_token", "required: the task token ($$.Task.Token), 1 to 2048 characters"));
        }
        return (document, null);
    }

    private static string Token(JsonDocument body) => body.RootElement.GetProperty("task_token").GetString()!;

    private static IResult Answer(CallbackResult result) => result switch
    {
        CallbackResult.Accepted => TypedResults.NoContent(),
        CallbackResult.AlreadyCompleted => Problems.Conflict("The task already received its outcome"),
        _ => Problems.NotFound("No running task waits for this token (it ended, timed out or never existed)"),
    };

    private static bool OptionalString(JsonElement root, string name, int maxLength, out string? value, out IResult? problem)
    {
        value = null;
        problem = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null) return true;
        if (element.ValueKind != JsonValueKind.String || element.GetString()!.Length > maxLength)
        {
            problem = Problems.Validation("/" + name, $"must be a string of at most {maxLength} characters");
            return false;
        }
        value = element.GetString();
        return true;
    }
}
