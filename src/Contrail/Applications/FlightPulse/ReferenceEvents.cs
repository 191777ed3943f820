using System.Text.Json.Nodes;
using Contrail.Events;
using Contrail.Queues;
using Contrail.Storage;

namespace Contrail.Applications.FlightPulse;

/// <summary>
/// Reference data arriving as events on the bus: <c>booking.created</c> (detail: the booking),
/// <c>booking.cancelled</c> (detail: <c>{booking_id}</c>) and <c>passenger.updated</c> (detail: the passenger's
/// fields to change, or a whole new passenger). A rule routes them to a queue whose handler applies each in
/// the transaction that acknowledges it; one that can never apply goes to the dead-letter queue with the reason.
/// </summary>
public static class ReferenceEvents
{
    public const string Queue = "flightpulse-reference-data";
    public static readonly string[] DetailTypes = ["booking.created", "booking.cancelled", "passenger.updated"];

    public static void Apply(StoreWriter writer, QueueMessage message)
    {
        var envelope = EventEnvelope.Parse(message.Body);
        var detail = envelope.Detail;
        var errors = new List<FieldError>();
        switch (envelope.DetailType)
        {
            case "booking.created":
                {
                    var booking = (JsonObject)detail.DeepClone();
                    booking["booking_status"] ??= BookingStatus.Confirmed;
                    booking["created_at"] ??= EventEnvelope.FormatTime(envelope.Time);
                    if (ReferenceData.Booking.Validate(booking, errors) is { } valid) ReferenceData.WriteBooking(writer, valid, errors);
                    break;
                }
            case "booking.cancelled":
                {
                    var id = (string?)detail["booking_id"];
                    if (id is null) errors.Add(new("/booking_id", "required"));
                    else if (writer.RecordUpdate(FlightPulseRecords.Bookings, id, b =>
                             {
                                 if (b is null) return null;
                                 b["booking_status"] = BookingStatus.Cancelled;
                                 return b;
                             }).Version == 0)
                        errors.Add(new("/booking_id", $"no booking with id '{id}'"));
                    break;
                }
            case "passenger.updated":
                {
                    var id = (string?)detail["passenger_id"];
                    if (id is null) { errors.Add(new("/passenger_id", "required")); break; }
                    // The detail carries the fields that change; the rest stay as they were.
                    var merged = writer.RecordGet(FlightPulseRecords.Passengers.Name, id)?.Value ?? new JsonObject();
                    foreach (var (name, value) in detail) merged[name] = value?.DeepClone();
                    if (ReferenceData.Passenger.Validate(merged, errors) is { } valid) ReferenceData.WritePassenger(writer, valid);
                    break;
                }
        }
        if (errors.Count > 0)
            throw new DeadLetterException($"{envelope.DetailType} {envelope.Id} refused: " + string.Join("; ", errors.Select(e => $"/detail{e.Pointer}: {e.Detail}")));
    }
}
