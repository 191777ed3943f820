using System.Text.Json.Nodes;
using Contrail.Bus;
using Contrail.Events;
using Contrail.Records;
using Contrail.Storage;

namespace Contrail.Applications.FlightPulse;

/// <summary>
/// The original's DynamoDB stream handler: every change of a booking's <c>booking_status</c> becomes one
/// <c>booking.status_changed</c> event <c>{booking_id, old_status, new_status, timestamp}</c> on the bus. It
/// reads the store's change feed, and publishes and moves its checkpoint in one transaction, so each change
/// yields exactly one event, also across a crash. A new booking is not a status change (it has
/// <c>booking.created</c>), so inserts publish nothing.
/// </summary>
public sealed class BookingStatusFeed(Store store, EventBus bus, ILogger<BookingStatusFeed> logger) : BackgroundService
{
    public const string Checkpoint = "flightpulse.booking-status";
    public const string DetailType = "booking.status_changed";
    private const int BatchSize = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Waits for a change (or a second) before the first pass too, so the start-up's own writes go first.
        var read = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (read < BatchSize) await store.Signals.WaitAsync(StoreSignals.Changes, TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                if (stoppingToken.IsCancellationRequested) break;
                (read, var published) = await store.WriteAsync(PublishNext, ct: stoppingToken).ConfigureAwait(false);
                if (published > 0) logger.LogDebug("Published {Count} booking status changes", published);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Publishing booking status changes failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One batch: the events and the checkpoint commit together.</summary>
    public (int Read, int Published) PublishNext(StoreWriter writer)
    {
        var position = writer.CheckpointGet(Checkpoint);
        var changes = writer.ChangeReadAfter(position, FlightPulseRecords.Bookings.Name, BatchSize);
        var published = 0;
        foreach (var change in changes)
        {
            var oldStatus = (string?)change.OldValue?["booking_status"];
            var newStatus = (string?)change.NewValue?["booking_status"];
            if (change.OldValue is null || change.NewValue is null || oldStatus == newStatus) continue;
            bus.Publish(writer, new EventEnvelope
            {
                // Derived from the change, so the same change can never become two events.
                Id = $"booking-status-{change.Seq}",
                Source = "flightpulse.bookings",
                DetailType = DetailType,
                Time = DateTimeOffset.FromUnixTimeMilliseconds(change.CommittedAt),
                Resources = [$"booking/{change.Key}"],
                Detail = new JsonObject
                {
                    ["booking_id"] = change.Key,
                    ["old_status"] = oldStatus,
                    ["new_status"] = newStatus,
                    ["timestamp"] = FlightPulseRecords.Iso(DateTimeOffset.FromUnixTimeMilliseconds(change.CommittedAt)),
                },
            });
            published++;
        }
        // In SQLite's single writer nothing commits meanwhile: a short batch means no booking change is left
        // before the newest change of any collection, so the checkpoint can skip the others' changes. With
        // concurrent writers (PostgreSQL) a lower sequence may still commit, so it moves only past what it read.
        var next = changes.Count < BatchSize && store.Provider == "sqlite" ? Math.Max(position, writer.ChangeLastSeq())
            : changes.Count > 0 ? changes[^1].Seq : position;
        if (next != position) writer.CheckpointSet(Checkpoint, next);
        return (changes.Count, published);
    }
}
