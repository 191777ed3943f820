using Contrail.Applications.FlightPulse;
using Contrail.Bus;
using Contrail.Cli;
using Contrail.Events;
using Contrail.Functions;
using Contrail.Hosting;
using Contrail.Workflows.Asl;

namespace Contrail.Tests.FlightPulse;

/// <summary>
/// A real server (Kestrel, SQLite file) with FlightPulse's sample data, and a way to run its three ASL workflows
/// until the durable workflow engine is in this build: the in-memory ASL runner, whose Task states call the
/// server's registered functions against its store (transactional ones inside a store transaction, as the
/// durable driver does) and whose <c>events:putEvents</c> publishes on the server's bus. Nothing about the
/// workflows is faked: the definitions, the functions and the store are the product's.
/// </summary>
public sealed class FlightPulseHarness : IAsyncDisposable
{
    private FlightPulseHarness(TestServer server) => Server = server;

    public TestServer Server { get; private set; }
    public HttpClient Client => Server.Client;

    /// <param name="driveWorkflows">
    /// True (the default): the test runs the workflows itself, so FlightPulse's rules to workflow targets are left
    /// out; otherwise a build with the durable engine would run each workflow a second time alongside the test's.
    /// </param>
    public static async Task<FlightPulseHarness> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, bool seed = true,
        Action<IServiceCollection>? services = null, bool driveWorkflows = true)
    {
        var server = await TestServer.StartAsync(settings, s =>
        {
            if (driveWorkflows)
            {
                var declarations = (Declarations)s.First(d => d.ServiceType == typeof(Declarations)).ImplementationInstance!;
                declarations.Rules.RemoveAll(rule => rule.Targets.Any(t => t.Type == "workflow"));
            }
            services?.Invoke(s);
        });
        if (seed) await new ReferenceImport(server.Store).SeedAsync();
        return new FlightPulseHarness(server);
    }

    public async Task RestartAsync(IReadOnlyDictionary<string, string?>? settings = null) => Server = await Server.RestartAsync(settings);

    /// <summary>Posts one operational event and returns its id; asserts the 202.</summary>
    public async Task<string> SendAsync(JsonObject operationalEvent)
    {
        using var response = await Client.PostJsonAsync("/events", operationalEvent.ToJsonString());
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return (string)JsonNode.Parse(body)!["event_id"]!;
    }

    /// <summary>The accepted event as the bus stored it (the workflow's input).</summary>
    public async Task<JsonObject> EnvelopeAsync(string eventId) =>
        (await Client.GetJsonAsync($"/events/{eventId}"))!["event"]!.AsObject();

    public static string WorkflowFor(string detailType) => detailType switch
    {
        "flight.cancelled" => NotificationWorkflows.Cancellation,
        "flight.gate_change" => NotificationWorkflows.GateChange,
        _ => NotificationWorkflows.Delay,
    };

    /// <summary>Sends the event and runs its workflow to the end.</summary>
    public async Task<(string EventId, AslExecutionResult Result)> DisruptAsync(JsonObject operationalEvent)
    {
        var id = await SendAsync(operationalEvent);
        return (id, await RunWorkflowAsync(await EnvelopeAsync(id)));
    }

    public async Task<AslExecutionResult> RunWorkflowAsync(JsonObject envelope, Func<TaskRequest, TaskOutcome?>? intercept = null)
    {
        var name = WorkflowFor((string)envelope["detail-type"]!);
        var definition = AslDefinition.Parse(NotificationWorkflows.Definition(name));
        var functions = Server.Services.GetRequiredService<FunctionRegistry>();
        var bus = Server.Services.GetRequiredService<EventBus>();
        var store = Server.Store;
        var runner = new InMemoryAslRunner(async (request, ct) =>
        {
            if (intercept?.Invoke(request) is { } intercepted) return intercepted;
            switch (request.Resource.Kind)
            {
                case TaskResourceKind.ContrailFunction:
                    {
                        Assert.True(functions.TryGet(request.FunctionName!, out var function), $"function {request.FunctionName} is not registered");
                        var context = new FunctionContext
                        {
                            FunctionName = function.Name,
                            Input = request.Input.ToJsonNode(),
                            IdempotencyKey = request.IdempotencyKey,
                            Services = Server.Services,
                        };
                        try
                        {
                            var result = function.Transactional is { } transactional
                                ? await store.WriteAsync(w => transactional(w, context), ct: ct)
                                : await function.Async!(context, ct);
                            return TaskOutcome.Success(result);
                        }
                        catch (FunctionException ex)
                        {
                            return TaskOutcome.Failure(ex.Error, ex.Cause);
                        }
                    }
                case TaskResourceKind.EventsPutEvents:
                    {
                        var entries = request.Input.ToJsonNode()!["Entries"]!.AsArray();
                        var ids = await store.WriteAsync(w => entries.Select(entry =>
                        {
                            var detail = entry!["Detail"] is JsonValue text ? JsonNode.Parse((string)text!)!.AsObject() : entry["Detail"]!.DeepClone().AsObject();
                            return bus.Publish(w, new EventEnvelope
                            {
                                Id = EventIds.New(),
                                Source = (string)entry["Source"]!,
                                DetailType = (string)entry["DetailType"]!,
                                Time = DateTimeOffset.UtcNow,
                                Detail = detail,
                            }).EventId;
                        }).ToList(), ct: ct);
                        return TaskOutcome.Success(new JsonObject
                        {
                            ["Entries"] = new JsonArray(ids.Select(id => (JsonNode?)new JsonObject { ["EventId"] = id }).ToArray()),
                            ["FailedEntryCount"] = 0,
                        });
                    }
                default:
                    return TaskOutcome.Failure("Contrail.UnsupportedResource", request.Resource.Raw);
            }
        });
        return await runner.RunAsync(definition, AslValue.FromJsonNode(envelope), name);
    }

    /// <summary>Why an execution failed: its error and the first failed task's error and cause.</summary>
    public static string Describe(AslExecutionResult result) =>
        $"{result.Status} {result.Error}: {result.Cause}; " + string.Join("; ", result.History.Where(h => h.Error is not null).Take(3).Select(h => $"{h.Type} {h.Error}: {h.Cause}"));

    public async Task<List<JsonObject>> NotificationsAsync(string eventId)
    {
        var page = await Client.GetJsonAsync($"/notifications?event_id={eventId}&limit=1000");
        return page!["items"]!.AsArray().Select(n => n!.AsObject()).ToList();
    }

    /// <summary>The CLI in this process, its console output captured (the commands write to Console and Spectre's console).</summary>
    public static async Task<(int Code, string Output)> RunCliAsync(string[] args)
    {
        var output = new StringWriter();
        int code;
        lock (ConsoleLock)
        {
            var (stdout, stderr) = (Console.Out, Console.Error);
            Console.SetOut(output);
            Console.SetError(output);
            var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
            {
                Out = new Spectre.Console.AnsiConsoleOutput(output),
                Interactive = Spectre.Console.InteractionSupport.No,
                Ansi = Spectre.Console.AnsiSupport.No,
            });
            console.Profile.Width = 1000;
            Spectre.Console.AnsiConsole.Console = console;
            try { code = ContrailCli.RunAsync(args).GetAwaiter().GetResult(); }
            finally { Console.SetOut(stdout); Console.SetError(stderr); }
        }
        await Task.CompletedTask;
        return (code, output.ToString());
    }

    private static readonly object ConsoleLock = new();

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
