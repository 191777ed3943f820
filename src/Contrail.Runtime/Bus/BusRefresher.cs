using Contrail.Archives;
using Contrail.Storage;
using Contrail.Topics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contrail.Bus;

/// <summary>Counts and latest change times of the rules, topics (with subscriptions) and archives.</summary>
public sealed record BusFingerprint((long, long) Rules, (long, long, long, long) Topics, (long, long) Archives);

/// <summary>
/// A change made through this process reloads its caches at once; one made through another process sharing
/// the database (PostgreSQL) is noticed here, within <see cref="BusOptions.ReloadInterval"/>, by comparing a
/// fingerprint of the tables with the last one seen, and only the part that changed is rebuilt.
/// </summary>
internal sealed class BusRefresher(Store store, EventBus bus, TopicRegistry topics, ArchiveRegistry archives, IOptions<BusOptions> options,
    ILogger<BusRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.ReloadInterval <= TimeSpan.Zero) return;
        // Start-up has loaded everything: this is what the caches hold.
        var seen = store.Read(r => r.BusFingerprint());
        using var timer = new PeriodicTimer(options.Value.ReloadInterval, store.Time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var now = store.Read(r => r.BusFingerprint());
                if (now.Rules != seen.Rules) bus.ReloadRules(store);
                if (now.Topics != seen.Topics) topics.Reload();
                if (now.Archives != seen.Archives) archives.Reload();
                if (now != seen) logger.LogDebug("Reloaded bus definitions changed elsewhere");
                seen = now;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Checking for bus definition changes failed");
            }
        }
    }
}
