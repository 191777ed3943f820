using Contrail.Alarms;
using Contrail.Archives;
using Contrail.Auth;
using Contrail.Bus;
using Contrail.Events;
using Contrail.Queues;
using Contrail.Storage;
using Contrail.Topics;
using Contrail.Workflows;
using Contrail.Workflows.Asl;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contrail.Hosting;

/// <summary>Rule declaration files (<c>Rules:Files</c>), read at start-up with <c>{DataDir}/rules/*.json</c>.</summary>
public sealed class RuleOptions
{
    public List<string> Files { get; set; } = [];
}

/// <summary>
/// Brings the runtime up before anything consumes: keys, declared queues, rules (from applications and
/// configuration files), archives, alarms and state machines, then the caches built from them. Declarations are the truth
/// for their origin: a rule or alarm no longer declared is removed; an archive no longer declared is kept,
/// with its data, as an API archive.
/// </summary>
internal sealed class RuntimeStartup(
    Store store, Declarations declarations, QueueRegistry queues, EventBus bus, TopicRegistry topics, ArchiveRegistry archives,
    AsyncTargetDelivery asyncDelivery, IEnumerable<AlarmMetricSource> metricSources, ApiKeys keys,
    StateMachineRegistry stateMachines, Functions.FunctionRegistry functions,
    IOptions<ContrailOptions> options, IOptions<RuleOptions> ruleOptions, IOptions<AlarmOptions> alarmOptions, ILogger<RuntimeStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ValidateStateMachines();
        var dataDir = options.Value.DataDir;
        var applicationRules = declarations.Rules;
        foreach (var rule in applicationRules)
            if (RuleValidation.Validate(rule, bus.Kinds) is { Count: > 0 } problems)
                throw new InvalidOperationException($"Rule '{rule.Name}' declared by an application is not valid: " + string.Join("; ", problems.Select(p => $"{p.Pointer}: {p.Detail}")));
        foreach (var (name, archive) in declarations.Archives)
        {
            var problems = archive.Problems();
            if (!Archive.IsValidName(name)) problems.Insert(0, new FieldError("/name", Archive.NameRule));
            if (problems.Count > 0)
                throw new InvalidOperationException($"Archive '{name}' declared by an application is not valid: " + string.Join("; ", problems.Select(p => $"{p.Pointer}: {p.Detail}")));
        }

        var configRules = new List<Rule>();
        ConfigFiles.Load<RuleRequest>(ConfigFiles.Paths(ruleOptions.Value.Files, dataDir, "rules"), (name, request) =>
        {
            if (applicationRules.Any(r => r.Name == name)) return [new FieldError("/name", $"'{name}' is a rule declared by an application")];
            var rule = request.ToRule(name, bus.Kinds, out var errors);
            if (rule is not null) configRules.Add(rule);
            return errors;
        });
        var sources = metricSources.ToDictionary(s => s.Source, StringComparer.Ordinal);
        var configAlarms = ConfigFiles.Load<Alarm>(ConfigFiles.Paths(alarmOptions.Value.Files, dataDir, "alarms"),
            (name, alarm) => Alarm.IsValidName(name) ? alarm.Problems(sources) : [new FieldError("/name", Alarm.NameRule)]);

        await store.WriteAsync(w =>
        {
            foreach (var (name, attributes) in declarations.Queues) queues.Declare(w, name, attributes);
            queues.Upsert(w, AsyncTargetDelivery.QueueName, asyncDelivery.QueueAttributes);
            Sync(w, Origins.Application, applicationRules);
            Sync(w, Origins.Config, configRules);
            foreach (var (name, archive) in declarations.Archives) w.ArchiveUpsert(name, archive, Origins.Application);
            foreach (var stale in w.ArchiveListAll().Where(a => a.Origin == Origins.Application && declarations.Archives.All(d => d.Name != a.Name)))
            {
                logger.LogWarning("Archive {Archive} is no longer declared by an application; it is kept, with its events, as an API archive", stale.Name);
                w.ArchiveUpsert(stale.Name, stale.Archive, Origins.Api);
            }
            var declaredAlarms = configAlarms.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var (name, alarm) in configAlarms) w.AlarmUpsert(name, alarm, Origins.Config);
            foreach (var stale in w.AlarmListAll().Where(a => a.Origin == Origins.Config && !declaredAlarms.Contains(a.Name))) w.AlarmDelete(stale.Name);
            foreach (var (name, definition) in declarations.StateMachines)
            {
                var (machine, change) = stateMachines.Save(w, name, definition, StateMachineRegistry.Standard, WorkflowService.OriginApplication);
                if (change != StateMachineChange.Unchanged) logger.LogInformation("State machine {StateMachine} {Change}: version {Version}", name, change, machine.Version);
            }
            return 0;
        }, ct: cancellationToken);
        queues.Load();
        topics.Reload();
        archives.Reload();
        bus.ReloadRules(store);
        keys.Load();
        if (!string.IsNullOrEmpty(options.Value.ApiKey)) await keys.EnsureBootstrapAsync(options.Value.ApiKey);
        logger.LogInformation("Runtime ready: {Queues} declared queues, {Rules} rules ({ConfigRules} from configuration), {Alarms} alarms from configuration, storage {Provider}",
            declarations.Queues.Count, bus.Rules.Rules.Count, configRules.Count, configAlarms.Count, store.Provider);
    }

    /// <summary>Writes the rules declared with <paramref name="origin"/> and removes the ones of that origin no longer declared.</summary>
    private void Sync(StoreWriter writer, string origin, List<Rule> rules)
    {
        foreach (var rule in rules)
        {
            if (writer.RuleGet(rule.Name) is { } existing && existing.Origin != origin)
                logger.LogWarning("Rule {Rule} ({Origin}) is replaced by the one declared with origin {Declared}", rule.Name, existing.Origin, origin);
            writer.RuleUpsert(rule, origin);
        }
        var declared = rules.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in writer.RuleListByOrigin(origin).Where(r => !declared.Contains(r.Rule.Name)))
        {
            logger.LogInformation("Rule {Rule} ({Origin}) is no longer declared; removed", stale.Rule.Name, origin);
            writer.RuleDelete(stale.Rule.Name);
        }
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
