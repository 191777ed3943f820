using System.Globalization;
using System.Text.Json.Nodes;
using Contrail.Records;
using Contrail.Storage;

namespace Contrail.Applications.Flights;

/// <summary>
/// The flat flight record shared by the flight-events system and FlightPulse:
/// <c>{flight_id, origin, destination, scheduled_departure, scheduled_arrival, status, gate, delay_minutes,
/// delay_reason, updated_at, last_event_type}</c>. Each field is last-writer-wins by event time (ties
/// broken by event id), so events applied in any order, or twice, leave the same state, and a late older
/// event never overwrites newer data.
/// </summary>
public static class FlightRecords
{
    public static readonly RecordCollection Flights = new("flights", RecordCollection.PropertyIndex("status"));

    /// <summary>One entry per applied event, keyed so that applying the same event again changes nothing.</summary>
    public static readonly RecordCollection History = new("flight_history", RecordCollection.PropertyIndex("flight_id"));

    public static readonly string[] Fields =
        ["origin", "destination", "scheduled_departure", "scheduled_arrival", "status", "gate", "delay_minutes", "delay_reason"];

    /// <summary>The record's fields in API order; other stored fields (aircraft, ...) follow.</summary>
    private static readonly string[] ViewOrder = ["flight_id", .. Fields, "updated_at", "last_event_type"];

    /// <summary>Per-field clocks, kept in the record but never shown.</summary>
    private const string ClockField = "_clock";

    /// <summary>
    /// Applies an event's fields to a flight (creating it when unknown) in the caller's transaction.
    /// A field present with null clears it; an absent field is left alone.
    /// </summary>
    public static void Apply(StoreWriter writer, string flightId, JsonObject fields, DateTimeOffset time, string eventId, string eventType)
    {
        var clock = Clock(time, eventId);
        writer.RecordUpdate(Flights, flightId, current =>
        {
            var flight = current ?? new JsonObject { ["flight_id"] = flightId };
            var clocks = flight[ClockField] as JsonObject ?? new JsonObject();
            flight[ClockField] = clocks;
            foreach (var (name, value) in fields)
                if (Wins(clocks, name, clock))
                {
                    flight[name] = value?.DeepClone();
                    clocks[name] = clock;
                }
            if (Wins(clocks, "last_event_type", clock))
            {
                flight["last_event_type"] = eventType;
                flight["updated_at"] = Iso(time);
                clocks["last_event_type"] = clock;
            }
            return flight;
        });

        var entry = new JsonObject
        {
            ["flight_id"] = flightId,
            ["event_id"] = eventId,
            ["event_type"] = eventType,
            ["time"] = Iso(time),
            ["fields"] = fields.DeepClone(),
        };
        writer.RecordPut(History, $"{flightId}/{time.ToUnixTimeMilliseconds():D13}/{eventId}", entry);
    }

    /// <summary>Writes a flight as reference data (seed or import): its fields lose to any event.</summary>
    public static void Seed(StoreWriter writer, JsonObject flight)
    {
        var flightId = (string)flight["flight_id"]!;
        writer.RecordUpdate(Flights, flightId, current =>
        {
            var record = current ?? new JsonObject();
            var clocks = record[ClockField] as JsonObject ?? new JsonObject();
            foreach (var (name, value) in flight)
                if (!clocks.ContainsKey(name)) record[name] = value?.DeepClone();
            record[ClockField] = clocks;
            return record;
        });
    }

    /// <summary>The record as the API shows it: every standard field (null when unknown), then any others.</summary>
    public static JsonObject View(JsonObject stored)
    {
        var view = new JsonObject();
        foreach (var name in ViewOrder) view[name] = stored[name]?.DeepClone();
        foreach (var (name, value) in stored)
            if (!name.StartsWith('_') && !view.ContainsKey(name)) view[name] = value?.DeepClone();
        return view;
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Clock(DateTimeOffset time, string eventId) =>
        time.ToUnixTimeMilliseconds().ToString("D13", CultureInfo.InvariantCulture) + "/" + eventId;

    private static bool Wins(JsonObject clocks, string field, string clock) =>
        clocks[field] is not JsonValue existing || string.CompareOrdinal(clock, (string)existing!) >= 0;
}
