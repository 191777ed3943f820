using Contrail.Auth;
using Contrail.Bus;
using Contrail.Queues;
using Contrail.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Contrail.Hosting;

/// <summary>Brings the runtime up before anything consumes: keys, declared queues and rules, caches.</summary>
internal sealed class RuntimeStartup(
    Store store, Declarations declarations, QueueRegistry queues, EventBus bus, ApiKeys keys,
    Microsoft.Extensions.Options.IOptions<ContrailOptions> options, ILogger<RuntimeStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.WriteAsync(w =>
        {
            foreach (var (name, attributes) in declarations.Queues) queues.Declare(w, name, attributes);
            foreach (var rule in declarations.Rules) w.RuleUpsert(rule, "application");
            return 0;
        }, ct: cancellationToken);
        queues.Load();
        bus.ReloadRules(store);
        keys.Load();
        if (!string.IsNullOrEmpty(options.Value.ApiKey)) await keys.EnsureBootstrapAsync(options.Value.ApiKey);
        logger.LogInformation("Runtime ready: {Queues} declared queues, {Rules} rules, storage {Provider}",
            declarations.Queues.Count, bus.Rules.Rules.Count, store.Provider);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
