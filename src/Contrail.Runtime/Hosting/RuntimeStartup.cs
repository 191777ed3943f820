using Contrail.Auth;
using Contrail.Bus;
using Contrail.Queues;
using Contrail.Storage;
using Contrail.Workflows;
using Contrail.Workflows.Asl;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contrail.Hosting;

/// <summary>Brings the runtime up before anything consumes: keys, declared queues, rules and state machines, caches.</summary>
internal sealed class RuntimeStartup(
    Store store, Declarations declarations, QueueRegistry queues, EventBus bus, StateMachineRegistry stateMachines, Functions.FunctionRegistry functions, ApiKeys keys,
    Microsoft.Extensions.Options.IOptions<ContrailOptions> options, ILogger<RuntimeStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ValidateStateMachines();
        await store.WriteAsync(w =>
        {
            foreach (var (name, attributes) in declarations.Queues) queues.Declare(w, name, attributes);
            foreach (var rule in declarations.Rules) w.RuleUpsert(rule, "application");
            foreach (var (name, definition) in declarations.StateMachines)
            {
                var (machine, change) = stateMachines.Save(w, name, definition, StateMachineRegistry.Standard, WorkflowService.OriginApplication);
                if (change != StateMachineChange.Unchanged) logger.LogInformation("State machine {StateMachine} {Change}: version {Version}", name, change, machine.Version);
            }
            return 0;
        }, ct: cancellationToken);
        queues.Load();
        bus.ReloadRules(store);
        keys.Load();
        if (!string.IsNullOrEmpty(options.Value.ApiKey)) await keys.EnsureBootstrapAsync(options.Value.ApiKey);
        logger.LogInformation("Runtime ready: {Queues} declared queues, {Rules} rules, storage {Provider}",
            declarations.Queues.Count, bus.Rules.Rules.Count, store.Provider);
    }

    /// <summary>
    /// Declared state machines must be valid and name only registered functions (an application declares both): start-up
    /// fails listing every problem of every one.
    /// </summary>
    private void ValidateStateMachines()
    {
        var problems = new List<string>();
        foreach (var group in declarations.StateMachines.GroupBy(m => m.Name).Where(g => g.Count() > 1))
            problems.Add($"state machine '{group.Key}' is declared {group.Count()} times");
        foreach (var (name, definition) in declarations.StateMachines)
        {
            if (!WorkflowArns.IsValidName(name)) problems.Add($"state machine '{name}': a name is {WorkflowArns.NameRule}");
            if (!AslDefinition.TryParse(definition, out var parsed, out var invalid, StateMachineRegistry.ParseOptions(StateMachineRegistry.Standard)))
            {
                foreach (var problem in invalid) problems.Add($"state machine '{name}': {problem}");
                continue;
            }
            foreach (var (state, function) in StateMachineRegistry.FunctionsNamed(parsed))
                if (!functions.TryGet(function, out _))
                    problems.Add($"state machine '{name}': state '{state}' calls function '{function}', which no application registers");
        }
        if (problems.Count > 0)
            throw new InvalidOperationException("Declared state machines are not valid:\n  " + string.Join("\n  ", problems));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
