using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Contrail.Applications.Flights;
using Contrail.Events;
using Contrail.Storage;

namespace Contrail.Applications.FlightPulse;

/// <summary>
/// FlightPulse's operational events, <c>{event_id, event_type, timestamp, source, payload}</c>, recognised on
/// <c>POST /events</c> (and on the broker) by <c>event_type</c>. What the original's Kafka consumer meant to do
/// happens here, synchronously: validate (every problem listed, nothing stored), categorise
/// (<c>flight.delay.minor|major|severe</c>, <c>flight.cancelled</c>, <c>flight.gate_change</c>) and enrich
/// (origin, destination, original departure, affected passenger count). The event is published under its own
/// <c>event_id</c>, so a duplicate is answered the same and processed once. A disruption record is written in
/// the same transaction: the regulatory clock starts at the event's timestamp whether or not a workflow runs.
/// </summary>
public static partial class OperationalEventFormat
{
    /// <summary>The bus source of categorised events (the original's <c>flightpulse.kafka-consumer</c>).</summary>
    public const string Source = "flightpulse.operations";

    public const string Delay = "FLIGHT_DELAY";
    public const string Cancelled = "FLIGHT_CANCELLED";
    public const string GateChange = "GATE_CHANGE";

    public static readonly string[] EventTypes = [Delay, Cancelled, GateChange];
    public static readonly string[] DelayReasons = ["WEATHER", "MECHANICAL", "CREW", "ATC", "SECURITY", "OTHER"];
    public static readonly string[] CancellationReasons = ["WEATHER", "MECHANICAL", "CREW", "OTHER"];
    public static readonly string[] RebookingPriorities = ["HIGH", "NORMAL", "LOW"];

    private static readonly string[] EnvelopeFields = ["event_id", "event_type", "timestamp", "source", "payload"];
    private static readonly string[] DelayFields = ["flight_id", "delay_minutes", "reason", "reason_detail", "new_departure", "new_arrival"];
    private static readonly string[] CancelledFields = ["flight_id", "reason", "reason_detail", "rebooking_priority"];
    private static readonly string[] GateFields = ["flight_id", "old_gate", "new_gate", "terminal_change"];

    /// <summary>Before native envelopes (300) and seed 000's catch-all (1000).</summary>
    public static EventFormat Create(Store store, FlightPulseMetrics metrics) =>
        new("flightpulse", 200, item => item.TryGetProperty("event_type", out _), (item, context) => Parse(item, context, store, metrics));

    /// <summary>The detail-type a delay of <paramref name="minutes"/> is published as: under 30 minor, 30-120 major, over 120 severe.</summary>
    public static string DelayCategory(long minutes) => minutes < 30 ? "minor" : minutes <= 120 ? "major" : "severe";

    public static ParsedEvent Parse(JsonElement item, IngestContext context, Store store, FlightPulseMetrics metrics)
    {
        var errors = new List<FieldError>();
        UnknownFields(item, "", EnvelopeFields, errors);
        var eventId = NativeEventFormat.RequiredString(item, "event_id", NativeEventFormat.MaxIdLength, errors);
        if (eventId is not null && !NativeEventFormat.IsValidId(eventId)) errors.Add(new("/event_id", "must be 1-128 letters, digits, '-', '_', '.' or ':' (a UUID is usual)"));
        var eventType = NativeEventFormat.RequiredString(item, "event_type", 32, errors);
        if (eventType is not null && !EventTypes.Contains(eventType))
        {
            errors.Add(new("/event_type", $"unknown event type '{eventType}'; use FLIGHT_DELAY, FLIGHT_CANCELLED or GATE_CHANGE"));
            eventType = null;
        }
        var source = NativeEventFormat.RequiredString(item, "source", 128, errors);
        DateTimeOffset? timestamp = null;
        if (!item.TryGetProperty("timestamp", out var ts) || ts.ValueKind == JsonValueKind.Null) errors.Add(new("/timestamp", "required"));
        else timestamp = EventTime.Optional(item, "timestamp", errors);

        var detail = new JsonObject();
        string? flightId = null;
        if (!item.TryGetProperty("payload", out var payload) || payload.ValueKind == JsonValueKind.Null) errors.Add(new("/payload", "required"));
        else if (payload.ValueKind != JsonValueKind.Object) errors.Add(new("/payload", "must be a JSON object"));
        else
        {
            var payloadErrors = new List<FieldError>();
            flightId = NativeEventFormat.RequiredString(payload, "flight_id", 20, payloadErrors);
            if (flightId is not null && !FlightIdPattern().IsMatch(flightId))
            {
                payloadErrors.Add(new("/flight_id", "must be 1-20 letters, digits or '-'"));
                flightId = null;
            }
            switch (eventType)
            {
                case Delay: ParseDelay(payload, detail, payloadErrors); break;
                case Cancelled: ParseCancellation(payload, detail, payloadErrors); break;
                case GateChange: ParseGateChange(payload, detail, payloadErrors); break;
            }
            errors.AddRange(payloadErrors.Select(e => e.Under("/payload")));
        }

        // The flight must be known: a disruption of a flight nobody booked is a mistake, said at once.
        var flight = flightId is null ? null : store.Read(r => r.RecordGet(FlightRecords.Flights.Name, flightId));
        if (flightId is not null && flight is null) errors.Add(new("/payload/flight_id", $"unknown flight '{flightId}'"));
        if (errors.Count > 0) return ParsedEvent.Reject(errors);

        var affected = store.Read(r => r.RecordCountByIndex(FlightPulseRecords.Bookings.Name, "active_flight_id", flightId!));
        var time = timestamp!.Value;
        var detailType = eventType switch
        {
            Delay => "flight.delay." + DelayCategory((long)detail["delay_minutes"]!),
            Cancelled => "flight.cancelled",
            _ => "flight.gate_change",
        };
        var enriched = new JsonObject { ["event_id"] = eventId, ["flight_id"] = flightId };
        foreach (var (name, value) in detail) enriched[name] = value?.DeepClone();
        if (eventType == Delay)
        {
            enriched["delay_category"] = DelayCategory((long)detail["delay_minutes"]!).ToUpperInvariant();
            // Without new times, the schedule moves by the delay.
            var minutes = (long)detail["delay_minutes"]!;
            enriched["new_departure"] ??= Shift(flight!.Value["scheduled_departure"], minutes);
            enriched["new_arrival"] ??= Shift(flight!.Value["scheduled_arrival"], minutes);
        }
        enriched["affected_passengers_count"] = affected;
        enriched["flight_details"] = new JsonObject
        {
            ["origin"] = flight!.Value["origin"]?.DeepClone(),
            ["destination"] = flight.Value["destination"]?.DeepClone(),
            ["original_departure"] = flight.Value["scheduled_departure"]?.DeepClone(),
        };
        enriched["timestamp"] = EventEnvelope.FormatTime(time);
        enriched["source"] = source;

        var envelope = new EventEnvelope
        {
            Id = eventId!,
            Source = Source,
            DetailType = detailType,
            Time = time,
            Detail = enriched,
            Resources = [$"flight/{flightId}"],
            Traceparent = context.Traceparent,
        };
        return ParsedEvent.Accept(envelope, clientSuppliedId: true, (writer, accepted) => OnAccepted(writer, accepted, eventType!, affected, metrics));
    }

    /// <summary>In the accepting transaction: the disruption record that starts the regulatory clock, and the counters once committed.</summary>
    private static void OnAccepted(StoreWriter writer, EventEnvelope envelope, string eventType, long affected, FlightPulseMetrics metrics)
    {
        writer.RecordPut(FlightPulseRecords.Disruptions, envelope.Id, new JsonObject
        {
            ["event_id"] = envelope.Id,
            ["event_type"] = eventType,
            ["detail_type"] = envelope.DetailType,
            ["flight_id"] = (string?)envelope.Detail["flight_id"],
            ["aware_at"] = FlightPulseRecords.Iso(envelope.Time),
            ["accepted_at"] = FlightPulseRecords.Iso(DateTimeOffset.FromUnixTimeMilliseconds(writer.NowMs)),
            ["status"] = DisruptionStatus.Accepted,
            ["affected_passengers_count"] = affected,
        });
        writer.AfterCommit(() => metrics.EventProcessed(eventType));
    }

    private static JsonNode? Shift(JsonNode? scheduled, long minutes) =>
        scheduled is JsonValue v && v.TryGetValue<string>(out var s) && EventTime.TryParse(s, out var time)
            ? EventEnvelope.FormatTime(time.AddMinutes(minutes)) : null;

    private static void ParseDelay(JsonElement payload, JsonObject detail, List<FieldError> errors)
    {
        UnknownFields(payload, "", DelayFields, errors);
        if (!payload.TryGetProperty("delay_minutes", out var minutes) || minutes.ValueKind == JsonValueKind.Null) errors.Add(new("/delay_minutes", "required"));
        else if (minutes.ValueKind != JsonValueKind.Number || !minutes.TryGetInt64(out var m) || m is < 0 or > 1440)
            errors.Add(new("/delay_minutes", "must be a whole number of minutes from 0 to 1440"));
        else detail["delay_minutes"] = m;
        detail["reason"] = Enum(payload, "reason", DelayReasons, required: true, errors);
        detail["reason_detail"] = NativeEventFormat.OptionalString(payload, "reason_detail", 500, errors);
        detail["new_departure"] = Time(payload, "new_departure", errors);
        detail["new_arrival"] = Time(payload, "new_arrival", errors);
    }

    private static void ParseCancellation(JsonElement payload, JsonObject detail, List<FieldError> errors)
    {
        UnknownFields(payload, "", CancelledFields, errors);
        detail["reason"] = Enum(payload, "reason", CancellationReasons, required: true, errors);
        detail["reason_detail"] = NativeEventFormat.OptionalString(payload, "reason_detail", 500, errors);
        detail["rebooking_priority"] = Enum(payload, "rebooking_priority", RebookingPriorities, required: false, errors) ?? "NORMAL";
    }

    private static void ParseGateChange(JsonElement payload, JsonObject detail, List<FieldError> errors)
    {
        UnknownFields(payload, "", GateFields, errors);
        detail["old_gate"] = Gate(payload, "old_gate", required: false, errors);
        detail["new_gate"] = Gate(payload, "new_gate", required: true, errors);
        var terminal = false;
        if (payload.TryGetProperty("terminal_change", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            if (t.ValueKind is JsonValueKind.True or JsonValueKind.False) terminal = t.GetBoolean();
            else errors.Add(new("/terminal_change", "must be true or false"));
        }
        detail["terminal_change"] = terminal;
    }

    private static string? Enum(JsonElement payload, string name, string[] values, bool required, List<FieldError> errors)
    {
        var value = required ? NativeEventFormat.RequiredString(payload, name, 32, errors) : NativeEventFormat.OptionalString(payload, name, 32, errors);
        if (value is null || values.Contains(value)) return value;
        errors.Add(new("/" + name, $"must be one of {string.Join(", ", values)}"));
        return null;
    }

    private static string? Gate(JsonElement payload, string name, bool required, List<FieldError> errors)
    {
        var value = required ? NativeEventFormat.RequiredString(payload, name, 10, errors) : NativeEventFormat.OptionalString(payload, name, 10, errors);
        if (value is null || value.All(char.IsAsciiLetterOrDigit)) return value;
        errors.Add(new("/" + name, "must be 1-10 letters or digits, such as D15"));
        return null;
    }

    private static string? Time(JsonElement payload, string name, List<FieldError> errors) =>
        EventTime.Optional(payload, name, errors) is { } time ? EventEnvelope.FormatTime(time) : null;

    private static void UnknownFields(JsonElement item, string prefix, string[] known, List<FieldError> errors)
    {
        foreach (var property in item.EnumerateObject())
            if (!known.Contains(property.Name))
                errors.Add(new($"{prefix}/{property.Name}", $"unknown field; expected {string.Join(", ", known)}"));
    }

    [GeneratedRegex("^[A-Za-z0-9-]{1,20}$")]
    private static partial Regex FlightIdPattern();
}
