using Contrail.Bus;
using Contrail.Events;
using Contrail.Patterns;
using Contrail.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contrail.Archives;

/// <summary>
/// Runs replays in the background, a batch at a time, round-robin across running replays. Each batch's
/// events are published in one transaction together with the replay's new position, moved only from the
/// position the batch was read at: a restart resumes where the last commit left off, a second process
/// reading the same batch publishes nothing, and a cancel that commits first stops the batch.
/// </summary>
internal sealed class ReplayRunner(Store store, EventBus bus, ArchiveRegistry archives, IOptions<ArchiveOptions> options, ILogger<ReplayRunner> logger) : BackgroundService
{
    /// <summary>Raised when a replay starts.</summary>
    public const string Signal = "replay";

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var progressed = false;
            try
            {
                foreach (var replay in store.Read(r => r.ReplayListInState(ReplayStates.Running)))
                {
                    if (stoppingToken.IsCancellationRequested) break;
                    progressed |= await RunBatchAsync(replay, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Running replays failed; retrying");
            }
            if (!progressed) await store.Signals.WaitAsync(Signal, PollInterval, stoppingToken);
            else if (options.Value.ReplayPause > TimeSpan.Zero) await Task.Delay(options.Value.ReplayPause, store.Time, stoppingToken);
        }
    }

    /// <summary>Replays the next batch of one replay, or ends it; true when something was done.</summary>
    internal async Task<bool> RunBatchAsync(StoredReplay stored, CancellationToken ct)
    {
        var replay = stored.Replay;
        var name = stored.Name;
        if (store.Read(r => r.ArchiveGet(replay.Archive)) is null)
        {
            await EndAsync(name, ReplayStates.Failed, $"archive '{replay.Archive}' was deleted", ct);
            return true;
        }
        var entries = store.Read(r => r.ArchiveEntryListRange(replay.Archive, replay.From.ToUnixTimeMilliseconds(), replay.To.ToUnixTimeMilliseconds(),
            stored.PositionTime ?? long.MinValue, stored.PositionSeq ?? long.MinValue, Math.Max(1, options.Value.ReplayBatchSize)));
        if (entries.Count == 0)
        {
            await EndAsync(name, ReplayStates.Completed, null, ct);
            return true;
        }

        var pattern = replay.EventPattern is { } p ? PatternCompiler.Compile(p.ToJsonString()) : null;
        var rules = replay.Rules is { } names ? names.ToHashSet(StringComparer.Ordinal) : null;
        var events = new List<EventEnvelope>(entries.Count);
        foreach (var entry in entries)
        {
            var body = entry.PendingBody ?? ReadFile(replay.Archive, entry);
            if (body is null) continue;
            EventEnvelope original;
            try
            {
                if (pattern is not null && !pattern.Matches(System.Text.Encoding.UTF8.GetBytes(body))) continue;
                original = EventEnvelope.Parse(body);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or InvalidOperationException or ArgumentException)
            {
                // A damaged file must not stall the replay (or every replay behind it) for ever.
                logger.LogWarning(ex, "Archived event {EventId} of {Archive} at {Path} is not a readable event; skipped", entry.EventId, replay.Archive, entry.Path);
                continue;
            }
            // A new id: the event store keeps ids unique, and consumers that deduplicate by id should see a replay as new.
            events.Add(original with { Id = $"{original.Id}.replay.{name}", ReplayName = name });
        }
        var last = entries[^1];
        var advanced = await store.WriteAsync(w =>
        {
            if (!w.ReplayAdvance(name, stored.PositionSeq, events.Count, events.Count > 0 ? events[^1].Time.ToUnixTimeMilliseconds() : null, last.EventTime, last.Seq)) return false;
            foreach (var envelope in events) bus.Publish(w, envelope, rules);
            return true;
        }, ct: ct);
        if (advanced) logger.LogDebug("Replay {Replay} published {Count} events", name, events.Count);
        return advanced;
    }

    private string? ReadFile(string archive, ArchiveEntry entry)
    {
        try
        {
            return File.ReadAllText(archives.FileOf(archive, entry.Path));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            logger.LogWarning("Archived event {EventId} of {Archive} has no file at {Path}; skipped", entry.EventId, archive, entry.Path);
            return null;
        }
    }

    private async Task EndAsync(string name, string state, string? reason, CancellationToken ct)
    {
        if (await store.WriteAsync(w => w.ReplayEnd(name, state, reason), ct: ct))
            logger.LogInformation("Replay {Replay} ended {State}{Reason}", name, state, reason is null ? "" : ": " + reason);
    }
}
