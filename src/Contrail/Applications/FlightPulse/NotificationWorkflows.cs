using System.Text.Json.Nodes;
using Contrail.Applications.Flights;
using Contrail.Bus;
using Contrail.Events;
using Contrail.Functions;
using Contrail.Records;
using Contrail.Storage;

namespace Contrail.Applications.FlightPulse;

/// <summary>
/// The functions the three workflows' Task states call (<c>contrail:function:flightpulse.*</c>). Store-only
/// steps are transactional (they run exactly once, inside the transaction that records the task's result);
/// <c>notify-passengers</c> talks to the outside world (LLM, SMTP, webhooks) and is at-least-once, made safe by
/// the notification records: a notification already sent is never sent again, and each record moves from
/// pending to sent exactly once, which is when it is counted.
/// </summary>
public sealed class NotificationWorkflows(
    Store store, EventBus bus, MessageComposer composer, NotificationSenders senders, FlightPulseMetrics metrics,
    FlightPulseOptions options, ILogger<NotificationWorkflows> logger)
{
    public const string Delay = "FlightPulseDelayNotification";
    public const string Cancellation = "FlightPulseCancellationWorkflow";
    public const string GateChange = "FlightPulseGateChangeWorkflow";
    public static readonly string[] Names = [Delay, Cancellation, GateChange];

    public static string Definition(string name)
    {
        using var stream = typeof(NotificationWorkflows).Assembly.GetManifestResourceStream($"FlightPulse/Workflows/{name}.asl.json")
            ?? throw new InvalidOperationException($"workflow {name} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static void Register(IServiceCollection services)
    {
        services.AddTransactionalFunction("flightpulse.update-flight", (w, c) => Get(c).UpdateFlight(w, Input(c)));
        services.AddTransactionalFunction("flightpulse.mark-bookings-for-rebooking", (w, c) => Get(c).MarkForRebooking(w, Input(c)));
        services.AddTransactionalFunction("flightpulse.prepare-notifications", (w, c) => Get(c).Prepare(w, Input(c)));
        services.AddFunction("flightpulse.notify-passengers", (c, ct) => Get(c).NotifyAsync(Input(c), ct));
        services.AddTransactionalFunction("flightpulse.complete-disruption", (w, c) => Get(c).Complete(w, Input(c)));
        services.AddTransactionalFunction("flightpulse.record-failure", (w, c) => Get(c).RecordFailure(w, Input(c)));
    }

    private static NotificationWorkflows Get(FunctionContext context) => context.Services.GetRequiredService<NotificationWorkflows>();

    private static JsonObject Input(FunctionContext context) =>
        context.Input as JsonObject ?? throw new FunctionException("FlightPulse.InvalidInput", "the task input must be a JSON object");

    private static string Text(JsonObject input, string name) =>
        (string?)input[name] is { Length: > 0 } s ? s : throw new FunctionException("FlightPulse.InvalidInput", $"the task input has no '{name}'");

    private static JsonObject Detail(JsonObject input) =>
        input["detail"] as JsonObject ?? throw new FunctionException("FlightPulse.InvalidInput", "the task input has no 'detail' object");

    /// <summary>First step of every workflow: the flight record takes the event's changes (last writer wins by event time).</summary>
    public JsonNode? UpdateFlight(StoreWriter writer, JsonObject input)
    {
        var detail = Detail(input);
        var detailType = Text(input, "detail_type");
        var flightId = Text(detail, "flight_id");
        var fields = new JsonObject();
        if (detailType.StartsWith("flight.delay.", StringComparison.Ordinal))
        {
            fields["status"] = FlightStatus.Delayed;
            fields["delay_minutes"] = detail["delay_minutes"]?.DeepClone();
            fields["delay_reason"] = detail["reason"]?.DeepClone();
            if (detail["new_departure"] is { } departure) fields["new_departure"] = departure.DeepClone();
            if (detail["new_arrival"] is { } arrival) fields["new_arrival"] = arrival.DeepClone();
        }
        else if (detailType == "flight.cancelled")
        {
            fields["status"] = FlightStatus.Cancelled;
        }
        else if (detailType == "flight.gate_change")
        {
            fields["gate"] = detail["new_gate"]?.DeepClone();
        }
        else
        {
            throw new FunctionException("FlightPulse.InvalidInput", $"'{detailType}' is not a FlightPulse disruption");
        }
        if (!EventTime.TryParse(Text(detail, "timestamp"), out var time)) throw new FunctionException("FlightPulse.InvalidInput", "the detail's timestamp is not ISO 8601");
        FlightRecords.Apply(writer, flightId, fields, time, Text(detail, "event_id"), detailType);
        var workflow = (string?)input["workflow"] ?? detailType;
        writer.AfterCommit(() => metrics.WorkflowStarted(workflow));
        return new JsonObject { ["flight_id"] = flightId };
    }

    /// <summary>Cancellation: every booking still active becomes NEEDS_REBOOKING (the change feed tells the world).</summary>
    public JsonNode? MarkForRebooking(StoreWriter writer, JsonObject input)
    {
        var flightId = Text(Detail(input), "flight_id");
        var marked = 0;
        foreach (var booking in ActiveBookings(writer, flightId))
        {
            if ((string?)booking.Value["booking_status"] == BookingStatus.NeedsRebooking) continue;
            writer.RecordUpdate(FlightPulseRecords.Bookings, booking.Key, b =>
            {
                b!["booking_status"] = BookingStatus.NeedsRebooking;
                return b;
            });
            marked++;
        }
        return new JsonObject { ["marked"] = marked };
    }

    /// <summary>
    /// Finds the affected bookings, sorts them by tier, decides each passenger's channels and writes one
    /// pending notification record per (event, passenger, channel): from here on, a notification that never
    /// goes out is visible as pending. Returns the bookings, and the same in batches for the notification Map.
    /// </summary>
    public JsonNode? Prepare(StoreWriter writer, JsonObject input)
    {
        var detail = Detail(input);
        var eventId = Text(detail, "event_id");
        var flightId = Text(detail, "flight_id");
        var awareAt = Text(detail, "timestamp");
        var batchSize = (int)Math.Clamp(FlightPulseRecords.Number(input["batch_size"]) ?? 25, 1, 500);
        var terminalSms = (bool?)detail["terminal_change"] == true && Text(input, "message_type") == MessageTypes.GateChange;

        var affected = new List<(JsonObject Booking, JsonObject Passenger, int Rank)>();
        foreach (var booking in ActiveBookings(writer, flightId))
        {
            var passengerId = (string)booking.Value["passenger_id"]!;
            if (writer.RecordGet(FlightPulseRecords.Passengers.Name, passengerId) is not { } passenger)
            {
                logger.LogWarning("Booking {BookingId} names passenger {PassengerId}, who does not exist; nobody to notify", booking.Key, passengerId);
                continue;
            }
            affected.Add((booking.Value, passenger.Value, FlightPulseRecords.TierRank((string?)passenger.Value["tier"])));
        }
        affected.Sort((a, b) => a.Rank != b.Rank ? a.Rank.CompareTo(b.Rank)
            : string.CompareOrdinal((string?)a.Booking["booking_id"], (string?)b.Booking["booking_id"]));

        var items = new JsonArray();
        var bookings = new JsonArray();
        var planned = 0;
        foreach (var (booking, passenger, _) in affected)
        {
            var passengerId = (string)passenger["passenger_id"]!;
            var channels = new JsonArray();
            foreach (var (channel, recipient) in Recipients(passenger, terminalSms))
            {
                channels.Add(channel);
                planned++;
                var key = FlightPulseRecords.NotificationKey(eventId, passengerId, channel);
                if (writer.RecordGet(FlightPulseRecords.Notifications.Name, key) is not null) continue;
                writer.RecordPut(FlightPulseRecords.Notifications, key, new JsonObject
                {
                    ["notification_id"] = key,
                    ["event_id"] = eventId,
                    ["flight_id"] = flightId,
                    ["passenger_id"] = passengerId,
                    ["booking_id"] = (string?)booking["booking_id"],
                    ["tier"] = (string?)passenger["tier"],
                    ["channel"] = channel,
                    ["status"] = NotificationStatus.Pending,
                    ["recipient"] = channel switch
                    {
                        Channels.Email => FlightPulseRecords.MaskEmail(recipient),
                        Channels.Sms => FlightPulseRecords.MaskPhone(recipient),
                        _ => recipient,
                    },
                    ["aware_at"] = awareAt,
                    ["sent_at"] = null,
                    ["clock_seconds"] = null,
                    ["attempts"] = 0,
                });
            }
            bookings.Add(new JsonObject { ["booking_id"] = (string?)booking["booking_id"], ["passenger_id"] = passengerId });
            items.Add(new JsonObject
            {
                ["booking_id"] = (string?)booking["booking_id"],
                ["passenger_id"] = passengerId,
                ["tier"] = (string?)passenger["tier"],
                ["channels"] = channels,
            });
        }

        writer.RecordUpdate(FlightPulseRecords.Disruptions, eventId, d =>
        {
            d ??= new JsonObject { ["event_id"] = eventId, ["flight_id"] = flightId, ["aware_at"] = awareAt };
            d["status"] = DisruptionStatus.Notifying;
            d["passengers"] = affected.Count;
            d["notifications_planned"] = planned;
            d["notifications_sent"] ??= 0;
            return d;
        });
        var count = affected.Count;
        writer.AfterCommit(() => metrics.PassengersAffected(count));

        var batches = new JsonArray();
        for (var i = 0; i < items.Count; i += batchSize)
            batches.Add(new JsonArray(items.Skip(i).Take(batchSize).Select(item => item!.DeepClone()).ToArray()));
        return new JsonObject { ["count"] = count, ["notifications"] = planned, ["bookings"] = bookings, ["batches"] = batches };
    }

    /// <summary>
    /// The channels a passenger is notified on, with the address: email, SMS and push as their preferences say;
    /// on a terminal gate change, SMS for everyone with a phone whatever the preferences.
    /// </summary>
    public static IEnumerable<(string Channel, string Recipient)> Recipients(JsonObject passenger, bool terminalSms)
    {
        var prefs = passenger["notification_preferences"] as JsonObject;
        bool Wants(string channel) => (bool?)prefs?[channel] == true;
        if (Wants(Channels.Email) && (string?)passenger["email"] is { Length: > 0 } email) yield return (Channels.Email, email);
        if ((Wants(Channels.Sms) || terminalSms) && (string?)passenger["phone"] is { Length: > 0 } phone) yield return (Channels.Sms, phone);
        if (Wants(Channels.Push)) yield return (Channels.Push, "app:" + (string)passenger["passenger_id"]!);
    }

    /// <summary>
    /// Sends one batch of passengers' notifications, in the batch's (tier) order, skipping any already sent,
    /// then records the outcomes in one transaction. A failed send is recorded as failed and fails the task,
    /// so the workflow's Retry sends what is left.
    /// </summary>
    public async ValueTask<JsonNode?> NotifyAsync(JsonObject input, CancellationToken ct)
    {
        var eventId = Text(input, "event_id");
        var messageType = Text(input, "message_type");
        var detail = Detail(input);
        var only = input["channels"] is JsonArray filter ? filter.Select(c => (string?)c).ToHashSet() : null;
        var items = input["bookings"] as JsonArray ?? throw new FunctionException("FlightPulse.InvalidInput", "the task input has no 'bookings' array");

        var work = store.Read(r => items.OfType<JsonObject>().Select(item =>
        {
            var passengerId = (string)item["passenger_id"]!;
            var channels = (item["channels"] as JsonArray ?? []).Select(c => (string)c!).Where(c => only is null || only.Contains(c));
            var pending = channels
                .Select(c => (Channel: c, Record: r.RecordGet(FlightPulseRecords.Notifications.Name, FlightPulseRecords.NotificationKey(eventId, passengerId, c))))
                .Where(x => x.Record is not null && (string?)x.Record.Value["status"] != NotificationStatus.Sent)
                .ToList();
            return (Passenger: r.RecordGet(FlightPulseRecords.Passengers.Name, passengerId)?.Value,
                Booking: r.RecordGet(FlightPulseRecords.Bookings.Name, (string)item["booking_id"]!)?.Value, PassengerId: passengerId, Pending: pending);
        }).ToList());

        var outcomes = new List<SendOutcome>();
        string? firstError = null;
        foreach (var (passenger, booking, passengerId, pending) in work)
        {
            if (pending.Count == 0 || passenger is null) continue;
            var message = await composer.ComposeAsync(new MessageContext(messageType, passenger, booking, detail), ct).ConfigureAwait(false);
            foreach (var (channel, record) in pending)
            {
                var recipient = Recipients(passenger, terminalSms: channel == Channels.Sms).FirstOrDefault(r => r.Channel == channel).Recipient;
                var key = record!.Key;
                if (recipient is null)
                {
                    outcomes.Add(new SendOutcome(key, channel, false, DateTimeOffset.UtcNow, message, "the passenger no longer has an address for this channel"));
                    continue;
                }
                var outbound = new OutboundMessage(key, channel, recipient, channel == Channels.Email ? message.EmailSubject : null,
                    channel == Channels.Email ? message.EmailBody : message.Sms, eventId, (string)detail["flight_id"]!, passengerId);
                try
                {
                    await senders.For(channel).SendAsync(outbound, ct).ConfigureAwait(false);
                    outcomes.Add(new SendOutcome(key, channel, true, DateTimeOffset.UtcNow, message, null));
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // The address stays out of the log; the notification id says whose it was.
                    logger.LogWarning("Sending notification {NotificationId} by {Channel} failed: {Error}", key, channel, ex.Message);
                    firstError ??= $"{key}: {ex.Message}";
                    outcomes.Add(new SendOutcome(key, channel, false, DateTimeOffset.UtcNow, message, ex.GetType().Name + ": " + ex.Message));
                }
            }
        }

        var (sent, failed) = outcomes.Count == 0 ? (0, 0) : await store.WriteAsync(w => Record(w, eventId, outcomes), ct: ct).ConfigureAwait(false);
        if (failed > 0)
            throw new FunctionException("FlightPulse.DeliveryFailed", $"{failed} of {outcomes.Count} notifications failed; first: {firstError}");
        return new JsonObject { ["sent"] = sent };
    }

    private sealed record SendOutcome(string Key, string Channel, bool Sent, DateTimeOffset At, ComposedMessage Message, string? Error);

    /// <summary>
    /// Records outcomes: pending or failed becomes sent (with the regulatory clock) or failed; a notification
    /// already sent stays as it was, so a repeated batch counts nothing twice.
    /// </summary>
    private (int Sent, int Failed) Record(StoreWriter writer, string eventId, List<SendOutcome> outcomes)
    {
        var newlySent = new List<(string Channel, double Clock)>();
        var failed = 0;
        var late = false;
        foreach (var outcome in outcomes)
        {
            if (!outcome.Sent) failed++;
            writer.RecordUpdate(FlightPulseRecords.Notifications, outcome.Key, n =>
            {
                if (n is null || (string?)n["status"] == NotificationStatus.Sent) return n;
                n["attempts"] = (FlightPulseRecords.Number(n["attempts"]) ?? 0) + 1;
                n["message_source"] = outcome.Message.Source;
                if (outcome.Channel == Channels.Email) n["subject"] = outcome.Message.EmailSubject;
                else n["text"] = outcome.Message.Sms;
                if (!outcome.Sent)
                {
                    n["status"] = NotificationStatus.Failed;
                    n["error"] = outcome.Error;
                    return n;
                }
                var clock = EventTime.TryParse((string?)n["aware_at"] ?? "", out var aware) ? Math.Round((outcome.At - aware).TotalSeconds, 3) : 0;
                n["status"] = NotificationStatus.Sent;
                n["sent_at"] = FlightPulseRecords.Iso(outcome.At);
                n["clock_seconds"] = clock;
                n.Remove("error");
                newlySent.Add((outcome.Channel, clock));
                late |= clock > options.RegulatoryDeadline.TotalSeconds;
                return n;
            });
        }
        if (newlySent.Count > 0 || late)
        {
            var raiseLate = false;
            writer.RecordUpdate(FlightPulseRecords.Disruptions, eventId, d =>
            {
                if (d is null) return null;
                d["notifications_sent"] = (FlightPulseRecords.Number(d["notifications_sent"]) ?? 0) + newlySent.Count;
                if (late && d["late_alarm"] is null)
                {
                    d["late_alarm"] = FlightPulseRecords.Iso(DateTimeOffset.FromUnixTimeMilliseconds(writer.NowMs));
                    raiseLate = true;
                }
                return d;
            });
            if (raiseLate) RegulatoryClock.PublishLate(writer, bus, eventId, "late", "a notification went out after the regulatory deadline");
            writer.AfterCommit(() =>
            {
                foreach (var (channel, clock) in newlySent) metrics.NotificationSent(channel, clock);
                if (raiseLate) metrics.NotificationLate();
            });
        }
        if (failed > 0) writer.AfterCommit(() => { for (var i = 0; i < failed; i++) metrics.ProcessingError("send"); });
        return (newlySent.Count, failed);
    }

    /// <summary>Last step: the disruption is complete when every planned notification went out.</summary>
    public JsonNode? Complete(StoreWriter writer, JsonObject input)
    {
        var eventId = Text(input, "event_id");
        var status = "";
        writer.RecordUpdate(FlightPulseRecords.Disruptions, eventId, d =>
        {
            if (d is null) return null;
            var done = (FlightPulseRecords.Number(d["notifications_sent"]) ?? 0) >= (FlightPulseRecords.Number(d["notifications_planned"]) ?? 0);
            d["status"] = status = done ? DisruptionStatus.Completed : "incomplete";
            d["completed_at"] = FlightPulseRecords.Iso(DateTimeOffset.FromUnixTimeMilliseconds(writer.NowMs));
            return d;
        });
        return new JsonObject { ["status"] = status };
    }

    /// <summary>The Catch of every workflow: the disruption is marked failed and <c>workflow.failed</c> goes on the bus.</summary>
    public JsonNode? RecordFailure(StoreWriter writer, JsonObject input)
    {
        var eventId = (string?)input["event_id"] ?? "unknown";
        var workflow = (string?)input["workflow"] ?? "unknown";
        writer.RecordUpdate(FlightPulseRecords.Disruptions, eventId, d =>
        {
            if (d is null) return null;
            d["status"] = DisruptionStatus.Failed;
            d["error"] = (string?)input["error"];
            return d;
        });
        bus.Publish(writer, new EventEnvelope
        {
            Id = EventIds.New(),
            Source = "flightpulse.workflow",
            DetailType = "workflow.failed",
            Time = DateTimeOffset.FromUnixTimeMilliseconds(writer.NowMs),
            Detail = new JsonObject
            {
                ["workflow"] = workflow,
                ["event_id"] = eventId,
                ["flight_id"] = (string?)input["flight_id"],
                ["error"] = (string?)input["error"],
                ["cause"] = (string?)input["cause"],
            },
        });
        writer.AfterCommit(() => metrics.ProcessingError("workflow"));
        logger.LogError("Workflow {Workflow} failed for event {EventId}: {Error}", workflow, eventId, (string?)input["error"]);
        return null;
    }

    /// <summary>Every booking of the flight that is not cancelled, in key order, all pages.</summary>
    public static IEnumerable<StoredRecord> ActiveBookings(StoreReader reader, string flightId)
    {
        var after = "";
        while (true)
        {
            var page = reader.RecordQueryByIndex(FlightPulseRecords.Bookings.Name, "active_flight_id", flightId, after, 1000);
            foreach (var booking in page) yield return booking;
            if (page.Count < 1000) yield break;
            after = page[^1].Key;
        }
    }
}
