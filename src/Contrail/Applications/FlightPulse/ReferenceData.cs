using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Contrail.Applications.Flights;
using Contrail.Events;
using Contrail.Storage;

namespace Contrail.Applications.FlightPulse;

/// <summary>
/// Flights, passengers and bookings as reference data: one schema per entity, used by every way the data
/// arrives (import files, PUT routes, bus events), so the same record is accepted or refused, with the same
/// messages, whichever way it comes. Writes are upserts by id; writing the same record again changes nothing.
/// </summary>
public static partial class ReferenceData
{
    public static readonly RecordSchema Flight = new("flight", "flight_id",
    [
        new("flight_id", FieldKind.FlightId, Required: true),
        new("origin", FieldKind.Airport, Required: true),
        new("destination", FieldKind.Airport, Required: true),
        new("scheduled_departure", FieldKind.Time, Required: true),
        new("scheduled_arrival", FieldKind.Time, Required: true),
        new("status", FieldKind.Enum, Values: FlightStatus.All),
        new("gate", FieldKind.Gate),
        new("aircraft", FieldKind.Text),
        new("delay_minutes", FieldKind.Integer, Min: 0, Max: 1440),
        new("delay_reason", FieldKind.Enum, Values: OperationalEventFormat.DelayReasons),
    ]);

    public static readonly RecordSchema Passenger = new("passenger", "passenger_id",
    [
        new("passenger_id", FieldKind.Id, Required: true),
        new("first_name", FieldKind.Text, Required: true),
        new("last_name", FieldKind.Text, Required: true),
        new("email", FieldKind.Email),
        new("phone", FieldKind.Phone),
        new("rapid_rewards_number", FieldKind.Text),
        new("tier", FieldKind.Enum, Required: true, Values: Tiers.All),
        new("notification_preferences", FieldKind.Preferences, Required: true),
        new("special_requests", FieldKind.TextList),
    ]);

    public static readonly RecordSchema Booking = new("booking", "booking_id",
    [
        new("booking_id", FieldKind.Id, Required: true),
        new("passenger_id", FieldKind.Id, Required: true),
        new("flight_id", FieldKind.FlightId, Required: true),
        new("confirmation_number", FieldKind.Confirmation),
        new("seat", FieldKind.Seat),
        new("fare_class", FieldKind.Text),
        new("booking_status", FieldKind.Enum, Required: true, Values: BookingStatus.All),
        new("checked_in", FieldKind.Boolean),
        new("bags_checked", FieldKind.Integer, Min: 0, Max: 20),
        new("created_at", FieldKind.Time),
        new("special_requests", FieldKind.TextList),
    ]);

    /// <summary>How a write went: created, updated or unchanged (same record again), or refused with its problems.</summary>
    public enum Outcome { Created, Updated, Unchanged, Refused }

    /// <summary>
    /// Writes a flight as reference data. From import or seed, its fields lose to any event (the flight record's
    /// per-field clocks); through <c>PUT /flights/{id}</c> it is an operator's statement made now, applied like
    /// an event so that it wins over anything older.
    /// </summary>
    public static Outcome WriteFlight(StoreWriter writer, JsonObject flight, DateTimeOffset? statedAt = null)
    {
        var id = (string)flight["flight_id"]!;
        var before = writer.RecordGet(FlightRecords.Flights.Name, id);
        if (statedAt is { } time)
        {
            var fields = flight.DeepClone().AsObject();
            fields.Remove("flight_id");
            FlightRecords.Apply(writer, id, fields, time, "put-" + EventIds.New(), "flight.put");
        }
        else
        {
            FlightRecords.Seed(writer, flight);
        }
        var after = writer.RecordGet(FlightRecords.Flights.Name, id)!;
        return before is null ? Outcome.Created : before.Version == after.Version ? Outcome.Unchanged : Outcome.Updated;
    }

    public static Outcome WritePassenger(StoreWriter writer, JsonObject passenger, bool onlyIfAbsent = false) =>
        Put(writer, FlightPulseRecords.Passengers, (string)passenger["passenger_id"]!, passenger, onlyIfAbsent);

    /// <summary>Writes a booking whose flight and passenger exist; otherwise refuses it with the reason.</summary>
    public static Outcome WriteBooking(StoreWriter writer, JsonObject booking, List<FieldError> errors, bool onlyIfAbsent = false)
    {
        var flightId = (string)booking["flight_id"]!;
        var passengerId = (string)booking["passenger_id"]!;
        if (writer.RecordGet(FlightRecords.Flights.Name, flightId) is null)
            errors.Add(new("/flight_id", $"no flight with id '{flightId}'; write the flight first"));
        if (writer.RecordGet(FlightPulseRecords.Passengers.Name, passengerId) is null)
            errors.Add(new("/passenger_id", $"no passenger with id '{passengerId}'; write the passenger first"));
        if (errors.Count > 0) return Outcome.Refused;
        return Put(writer, FlightPulseRecords.Bookings, (string)booking["booking_id"]!, booking, onlyIfAbsent);
    }

    private static Outcome Put(StoreWriter writer, Records.RecordCollection collection, string key, JsonObject value, bool onlyIfAbsent)
    {
        if (onlyIfAbsent && writer.RecordGet(collection.Name, key) is not null) return Outcome.Unchanged;
        var write = writer.RecordPut(collection, key, value);
        return !write.Changed ? Outcome.Unchanged : write.OldValue is null ? Outcome.Created : Outcome.Updated;
    }

    /// <summary>
    /// Removes the original's DynamoDB storage keys (PK, SK, GSI*). Returns false for the single table's
    /// lookup items (<c>SK = BOOKING#…</c>), which duplicate a booking and are skipped, not refused.
    /// </summary>
    public static bool StripStorageKeys(JsonObject item)
    {
        if (item["SK"] is JsonValue sk && sk.TryGetValue<string>(out var sortKey) && sortKey != "METADATA") return false;
        foreach (var name in item.Select(p => p.Key).Where(IsStorageKey).ToList()) item.Remove(name);
        return true;
    }

    private static bool IsStorageKey(string name) => name is "PK" or "SK" || GsiKey().IsMatch(name);

    [GeneratedRegex("^GSI[0-9]+(PK|SK)$")]
    private static partial Regex GsiKey();
}

public enum FieldKind { Id, FlightId, Text, Airport, Gate, Seat, Confirmation, Enum, Integer, Boolean, Time, TextList, Preferences, Email, Phone }

/// <summary>One field of a reference record: its kind, whether it is required, and its bounds.</summary>
public sealed record FieldSpec(string Name, FieldKind Kind, bool Required = false, string[]? Values = null, int Min = 0, int Max = int.MaxValue);

/// <summary>
/// Validates and normalises one entity's records: every problem is reported with a JSON pointer, unknown
/// fields are refused (a misspelt field would otherwise vanish), times are stored as UTC ISO 8601.
/// </summary>
public sealed partial class RecordSchema(string entity, string idField, FieldSpec[] fields)
{
    private readonly Dictionary<string, FieldSpec> _byName = fields.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public string Entity { get; } = entity;
    public string IdField { get; } = idField;
    public IReadOnlyList<FieldSpec> Fields { get; } = fields;

    /// <summary>The record in canonical field order, or null with <paramref name="errors"/> filled.</summary>
    public JsonObject? Validate(JsonObject input, List<FieldError> errors)
    {
        var start = errors.Count;
        foreach (var (name, _) in input)
            if (!_byName.ContainsKey(name))
                errors.Add(new("/" + name, $"unknown field; a {Entity} has {string.Join(", ", Fields.Select(f => f.Name))}"));
        var output = new JsonObject();
        foreach (var field in Fields)
        {
            var value = input[field.Name];
            if (value is null || (value is JsonValue v && v.GetValueKind() == JsonValueKind.Null))
            {
                if (field.Required) errors.Add(new("/" + field.Name, "required"));
                continue;
            }
            if (Check(field, value, errors) is { } normalised) output[field.Name] = normalised;
        }
        return errors.Count > start ? null : output;
    }

    private static JsonNode? Check(FieldSpec field, JsonNode value, List<FieldError> errors)
    {
        var pointer = "/" + field.Name;
        string? Text(int max, Regex? pattern, string rule)
        {
            if (value is not JsonValue v || !v.TryGetValue<string>(out var s)) { errors.Add(new(pointer, "must be a string")); return null; }
            if (s.Length == 0 || s.Length > max || (pattern is not null && !pattern.IsMatch(s))) { errors.Add(new(pointer, rule)); return null; }
            return s;
        }
        switch (field.Kind)
        {
            case FieldKind.Id: return Text(64, IdPattern(), "must be 1-64 letters, digits, '-' or '_'");
            case FieldKind.FlightId: return Text(20, FlightIdPattern(), "must be 1-20 letters, digits or '-'");
            case FieldKind.Text: return Text(200, null, "must be 1-200 characters");
            case FieldKind.Airport: return Text(3, AirportPattern(), "must be a three-letter airport code such as DAL");
            case FieldKind.Gate: return Text(10, GatePattern(), "must be 1-10 letters or digits, such as B12");
            case FieldKind.Seat: return Text(4, SeatPattern(), "must be a seat such as 12A");
            case FieldKind.Confirmation: return Text(6, ConfirmationPattern(), "must be 6 letters or digits");
            case FieldKind.Email: return Text(254, EmailPattern(), "must be an email address");
            case FieldKind.Phone: return Text(16, PhonePattern(), "must be a phone number in E.164 form, such as +15551234567");
            case FieldKind.Enum:
                {
                    var s = Text(64, null, "must not be empty");
                    if (s is not null && !field.Values!.Contains(s, StringComparer.Ordinal)) { errors.Add(new(pointer, $"must be one of {string.Join(", ", field.Values!)}")); return null; }
                    return s;
                }
            case FieldKind.Time:
                {
                    var s = Text(40, null, "must be an ISO 8601 timestamp");
                    if (s is null) return null;
                    if (!EventTime.TryParse(s, out var time)) { errors.Add(new(pointer, "must be an ISO 8601 timestamp such as 2025-01-15T08:00:00Z")); return null; }
                    return time.UtcDateTime.ToString(time.Millisecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                }
            case FieldKind.Integer:
                if (value is JsonValue n && n.GetValueKind() == JsonValueKind.Number && n.TryGetValue<long>(out var number) && number >= field.Min && number <= field.Max)
                    return JsonValue.Create(number);
                errors.Add(new(pointer, $"must be a whole number from {field.Min} to {field.Max}"));
                return null;
            case FieldKind.Boolean:
                if (value is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return JsonValue.Create(b.GetValue<bool>());
                errors.Add(new(pointer, "must be true or false"));
                return null;
            case FieldKind.TextList:
                {
                    if (value is not JsonArray array) { errors.Add(new(pointer, "must be an array of strings")); return null; }
                    var list = new JsonArray();
                    for (var i = 0; i < array.Count; i++)
                    {
                        if (array[i] is JsonValue item && item.TryGetValue<string>(out var s) && s.Length is > 0 and <= 100) list.Add(s);
                        else errors.Add(new($"{pointer}/{i}", "must be a string of 1-100 characters"));
                    }
                    return list;
                }
            case FieldKind.Preferences:
                {
                    if (value is not JsonObject prefs) { errors.Add(new(pointer, "must be an object {email, sms, push} of true or false")); return null; }
                    var output = new JsonObject();
                    foreach (var (name, flag) in prefs)
                        if (!Channels.All.Contains(name)) errors.Add(new($"{pointer}/{name}", "unknown channel; the channels are email, sms and push"));
                    foreach (var channel in Channels.All)
                    {
                        var flag = prefs[channel];
                        if (flag is null) output[channel] = false;
                        else if (flag is JsonValue f && f.GetValueKind() is JsonValueKind.True or JsonValueKind.False) output[channel] = f.GetValue<bool>();
                        else errors.Add(new($"{pointer}/{channel}", "must be true or false"));
                    }
                    return output;
                }
            default:
                throw new InvalidOperationException("unknown field kind " + field.Kind);
        }
    }

    /// <summary>
    /// A CSV row as a JSON record: columns are field names (<c>notification_preferences.email</c> for a
    /// preference), lists are separated by ';', and empty cells are absent. Values that do not convert stay
    /// strings, so validation reports them in the usual words.
    /// </summary>
    public JsonObject FromCsv(IReadOnlyList<string> headers, IReadOnlyList<string> cells)
    {
        var record = new JsonObject();
        for (var i = 0; i < headers.Count && i < cells.Count; i++)
        {
            var header = headers[i];
            var cell = cells[i];
            if (cell.Length == 0) continue;
            var dot = header.IndexOf('.');
            if (dot > 0)
            {
                var parent = header[..dot];
                if (record[parent] is not JsonObject nested) record[parent] = nested = new JsonObject();
                nested[header[(dot + 1)..]] = Scalar(FieldKind.Boolean, cell);
                continue;
            }
            record[header] = _byName.TryGetValue(header, out var field) ? Scalar(field.Kind, cell) : cell;
        }
        return record;
    }

    private static JsonNode? Scalar(FieldKind kind, string cell) => kind switch
    {
        FieldKind.Integer when long.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
        FieldKind.Boolean when bool.TryParse(cell, out var b) => b,
        FieldKind.TextList => new JsonArray(cell.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => (JsonNode?)s).ToArray()),
        _ => cell,
    };

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")] private static partial Regex IdPattern();
    [GeneratedRegex("^[A-Za-z0-9-]{1,20}$")] private static partial Regex FlightIdPattern();
    [GeneratedRegex("^[A-Z]{3}$")] private static partial Regex AirportPattern();
    [GeneratedRegex("^[A-Za-z0-9]{1,10}$")] private static partial Regex GatePattern();
    [GeneratedRegex("^[0-9]{1,3}[A-K]$")] private static partial Regex SeatPattern();
    [GeneratedRegex("^[A-Z0-9]{6}$")] private static partial Regex ConfirmationPattern();
    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")] private static partial Regex EmailPattern();
    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")] private static partial Regex PhonePattern();
}
