using System.Globalization;
using System.Text.Json.Nodes;
using Contrail.Records;

namespace Contrail.Applications.FlightPulse;

/// <summary>
/// FlightPulse's collections, on the flat flight record of <c>Applications/Flights</c>. The original's single
/// DynamoDB table (PK/SK, GSI1 by flight status, GSI2 by booking status, lookup items per flight and per
/// passenger) becomes one collection per entity with secondary indexes, so the API never shows storage keys.
/// </summary>
public static class FlightPulseRecords
{
    public static readonly RecordCollection Passengers = new("passengers");

    /// <summary>
    /// Bookings by flight, by passenger and by status (GSI2), and <c>active_flight_id</c>: the flight of a
    /// booking that is not CANCELLED, which is what "the passengers affected by a disruption" means.
    /// </summary>
    public static readonly RecordCollection Bookings = new("bookings",
        RecordCollection.PropertyIndex("flight_id"),
        RecordCollection.PropertyIndex("passenger_id"),
        RecordCollection.PropertyIndex("booking_status"),
        ("active_flight_id", b => (string?)b["booking_status"] == BookingStatus.Cancelled ? null : (string?)b["flight_id"]));

    /// <summary>One record per (event, passenger, channel), keyed <c>{event_id}/{passenger_id}/{channel}</c>, updated in place.</summary>
    public static readonly RecordCollection Notifications = new("notifications",
        RecordCollection.PropertyIndex("flight_id"),
        RecordCollection.PropertyIndex("passenger_id"),
        RecordCollection.PropertyIndex("channel"));

    /// <summary>
    /// One record per accepted operational event: when the airline became aware, and how far notification got.
    /// Written with the event, so a disruption whose workflow never ran is still seen as unnotified.
    /// Indexed by <c>open</c> (the status while passengers may still be waiting) for the regulatory clock.
    /// </summary>
    public static readonly RecordCollection Disruptions = new("disruptions",
        ("open", d => (string?)d["status"] == DisruptionStatus.Completed || d["late_alarm"] is not null ? null : "open"));

    public static string NotificationKey(string eventId, string passengerId, string channel) => $"{eventId}/{passengerId}/{channel}";

    /// <summary>Tier order for notification: A-LIST PREFERRED first, then A-LIST, then MEMBER (anything else last).</summary>
    public static int TierRank(string? tier) => tier switch
    {
        Tiers.AListPreferred => 0,
        Tiers.AList => 1,
        Tiers.Member => 2,
        _ => 3,
    };

    /// <summary>A passenger without contact details: an allow-list, so a field added later stays private until named here.</summary>
    public static JsonObject PassengerView(JsonObject stored)
    {
        var view = new JsonObject();
        foreach (var name in (ReadOnlySpan<string>)["passenger_id", "first_name", "last_name", "rapid_rewards_number", "tier", "notification_preferences", "special_requests"])
            if (stored[name] is { } value) view[name] = value.DeepClone();
        return view;
    }

    /// <summary><c>j***h@example.com</c>: enough to recognise, not enough to contact.</summary>
    public static string MaskEmail(string email)
    {
        var at = email.LastIndexOf('@');
        if (at <= 0) return "***";
        var local = email[..at];
        return (local.Length <= 2 ? local[..1] + "***" : local[0] + "***" + local[^1]) + email[at..];
    }

    /// <summary><c>+*******4567</c>: the last four digits only.</summary>
    public static string MaskPhone(string phone) =>
        phone.Length <= 4 ? "****" : (phone.StartsWith('+') ? "+" : "") + new string('*', phone.Length - 4 - (phone.StartsWith('+') ? 1 : 0)) + phone[^4..];

    /// <summary>
    /// A whole number from a JSON node, whatever CLR type holds it: values parsed from text, built in C#
    /// (int or long) and converted from workflow state all read the same.
    /// </summary>
    public static long? Number(JsonNode? node) => node is JsonValue value
        ? value.TryGetValue<long>(out var l) ? l : value.TryGetValue<int>(out var i) ? i : value.TryGetValue<double>(out var d) ? (long)d : null
        : null;

    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

public static class Tiers
{
    public const string AListPreferred = "A-LIST PREFERRED";
    public const string AList = "A-LIST";
    public const string Member = "MEMBER";
    public static readonly string[] All = [AListPreferred, AList, Member];
}

public static class BookingStatus
{
    public const string Confirmed = "CONFIRMED";
    public const string CheckedIn = "CHECKED_IN";
    public const string Cancelled = "CANCELLED";
    public const string NeedsRebooking = "NEEDS_REBOOKING";
    public static readonly string[] All = [Confirmed, CheckedIn, Cancelled, NeedsRebooking];
}

public static class FlightStatus
{
    public const string Delayed = "DELAYED";
    public const string Cancelled = "CANCELLED";
    public static readonly string[] All = ["SCHEDULED", "BOARDING", Delayed, Cancelled, "DEPARTED", "ARRIVED"];
}

public static class Channels
{
    public const string Email = "email";
    public const string Sms = "sms";
    public const string Push = "push";
    public static readonly string[] All = [Email, Sms, Push];
}

public static class NotificationStatus
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Failed = "failed";
}

public static class DisruptionStatus
{
    public const string Accepted = "accepted";
    public const string Notifying = "notifying";
    public const string Completed = "completed";
    public const string Failed = "failed";
}
