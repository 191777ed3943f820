using System.Text.Json.Nodes;
using Contrail.Bus;
using Contrail.Events;
using Contrail.Storage;

namespace Contrail.Applications.FlightPulse;

/// <summary>
/// The regulatory clock (US DOT 14 CFR 259.8: passengers told within 30 minutes of the airline becoming
/// aware). Each sent notification records its clock (<c>clock_seconds</c>, and the <c>RegulatoryClockSeconds</c>
/// histogram); a late send raises the alarm when it is recorded. This service raises it for what never went
/// out: every few seconds it looks at the disruptions still open past their deadline (no workflow, a workflow
/// that failed, a notification still pending or failed) and raises the alarm once per disruption: a
/// <c>notification.late</c> event on the bus (what an alarm topic subscribes to), the <c>NotificationsLate</c>
/// counter and an error log line.
/// </summary>
public sealed class RegulatoryClock(Store store, EventBus bus, FlightPulseMetrics metrics, FlightPulseOptions options, TimeProvider time, ILogger<RegulatoryClock> logger)
    : BackgroundService
{
    public const string LateDetailType = "notification.late";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first check waits one interval: nothing is due at start-up that cannot wait that long, and the
        // start-up's own writes go first.
        using var timer = new PeriodicTimer(options.RegulatoryCheckInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var raised = await CheckAsync(stoppingToken).ConfigureAwait(false);
                foreach (var eventId in raised) logger.LogError("Regulatory deadline missed: passengers of event {EventId} were not all notified within {Deadline}", eventId, options.RegulatoryDeadline);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Checking the regulatory clock failed; trying again at the next interval");
            }
        }
    }

    /// <summary>Raises the alarm for every open disruption past its deadline; returns their event ids.</summary>
    public Task<List<string>> CheckAsync(CancellationToken ct) => store.WriteAsync(w =>
    {
        var now = time.GetUtcNow();
        var raised = new List<string>();
        var after = "";
        while (true)
        {
            var page = w.RecordQueryByIndex(FlightPulseRecords.Disruptions.Name, "open", "open", after, 500);
            foreach (var disruption in page)
            {
                if (!EventTime.TryParse((string?)disruption.Value["aware_at"] ?? "", out var aware) || now - aware <= options.RegulatoryDeadline) continue;
                var planned = FlightPulseRecords.Number(disruption.Value["notifications_planned"]);
                var sent = FlightPulseRecords.Number(disruption.Value["notifications_sent"]) ?? 0;
                w.RecordUpdate(FlightPulseRecords.Disruptions, disruption.Key, d =>
                {
                    d!["late_alarm"] = FlightPulseRecords.Iso(now);
                    return d;
                });
                PublishLate(w, bus, disruption.Key, "missing", planned is null
                    ? "no notification was prepared: the workflow did not run"
                    : $"{planned - sent} of {planned} notifications did not go out");
                raised.Add(disruption.Key);
            }
            if (page.Count < 500) break;
            after = page[^1].Key;
        }
        if (raised.Count > 0) w.AfterCommit(() => { foreach (var _ in raised) metrics.NotificationLate(); });
        return raised;
    }, ct: ct);

    /// <summary>The alarm as an event: once per disruption, in the transaction that marks it raised.</summary>
    public static void PublishLate(StoreWriter writer, EventBus bus, string eventId, string kind, string reason)
    {
        var disruption = writer.RecordGet(FlightPulseRecords.Disruptions.Name, eventId)?.Value;
        bus.Publish(writer, new EventEnvelope
        {
            Id = $"late-{kind}-{eventId}",
            Source = "flightpulse.regulatory-clock",
            DetailType = LateDetailType,
            Time = DateTimeOffset.FromUnixTimeMilliseconds(writer.NowMs),
            Detail = new JsonObject
            {
                ["event_id"] = eventId,
                ["flight_id"] = (string?)disruption?["flight_id"],
                ["kind"] = kind,
                ["reason"] = reason,
                ["aware_at"] = (string?)disruption?["aware_at"],
                ["notifications_planned"] = FlightPulseRecords.Number(disruption?["notifications_planned"]),
                ["notifications_sent"] = FlightPulseRecords.Number(disruption?["notifications_sent"]),
            },
        });
    }
}
