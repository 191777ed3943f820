using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Contrail.Applications.Flights;
using Contrail.Auth;
using Contrail.Events;
using Contrail.Http;
using Contrail.Records;
using Contrail.Storage;

namespace Contrail.Applications.FlightPulse;

/// <summary>
/// FlightPulse's API: the original's seven routes (<c>/health</c>, <c>/flights/{id}</c> and <c>/flights?status=</c>
/// are the flight record's, in <c>Applications/Flights</c>; the rest are here) as flat snake_case objects in the
/// product's list envelope, plus <c>GET /notifications</c>, the reference-data writes (admin) and
/// <c>GET /flightpulse/metrics</c>.
/// </summary>
public static partial class FlightPulseEndpoints
{
    public static IEndpointRouteBuilder MapFlightPulse(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", Health).AllowAnonymous().WithTags("FlightPulse").WithSummary("FlightPulse's health answer");

        var read = app.MapGroup("").WithTags("FlightPulse").RequireAuthorization(Scopes.Read);
        read.MapGet("/flights/{id}/bookings", FlightBookings).WithSummary("The bookings of a flight");
        read.MapGet("/passengers/{id}", GetPassenger).WithSummary("A passenger, without email and phone");
        read.MapGet("/passengers/{id}/bookings", PassengerBookings).WithSummary("The bookings of a passenger");
        read.MapGet("/bookings/{id}", GetBooking).WithSummary("A booking, with its booking_status");
        read.MapGet("/notifications", ListNotifications).WithSummary("Notifications; filter by flight_id, passenger_id, channel, event_id, status");
        read.MapGet("/flightpulse/metrics", (FlightPulseMetrics metrics) => TypedResults.Ok(metrics.Snapshot())).WithSummary("FlightPulse's counters since start");

        var admin = app.MapGroup("").WithTags("FlightPulse").RequireAuthorization(Scopes.Admin);
        admin.MapPut("/flights/{id}", PutFlight).WithSummary("Create or update a flight (reference data)");
        admin.MapPut("/passengers/{id}", PutPassenger).WithSummary("Create or replace a passenger");
        admin.MapPut("/bookings/{id}", PutBooking).WithSummary("Create or replace a booking");
        return app;
    }

    private static IResult Health(Store store, TimeProvider time)
    {
        try
        {
            store.Read(r => r.NowMs);
            return TypedResults.Ok(new Dictionary<string, string> { ["status"] = "healthy", ["timestamp"] = FlightPulseRecords.Iso(time.GetUtcNow()), ["service"] = "flightpulse-api" });
        }
        catch (Exception)
        {
            return TypedResults.Json(new Dictionary<string, string> { ["status"] = "unhealthy", ["timestamp"] = FlightPulseRecords.Iso(time.GetUtcNow()), ["service"] = "flightpulse-api" },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static IResult FlightBookings(string id, HttpRequest request, Store store)
    {
        if (BadFlightId(id) is { } bad) return bad;
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        var (flight, rows) = store.Read(r => (r.RecordGet(FlightRecords.Flights.Name, id),
            r.RecordQueryByIndex(FlightPulseRecords.Bookings.Name, "flight_id", id, page.Position ?? "", page.Limit + 1)));
        if (flight is null) return Problems.NotFound($"No flight with id '{id}'");
        return TypedResults.Ok(Page<JsonObject>.From(rows, page.Limit, b => b.Value, b => b.Key));
    }

    private static IResult GetPassenger(string id, Store store)
    {
        if (BadId(id, "passenger") is { } bad) return bad;
        var passenger = store.Read(r => r.RecordGet(FlightPulseRecords.Passengers.Name, id));
        return passenger is null ? Problems.NotFound($"No passenger with id '{id}'") : TypedResults.Ok(FlightPulseRecords.PassengerView(passenger.Value));
    }

    private static IResult PassengerBookings(string id, HttpRequest request, Store store)
    {
        if (BadId(id, "passenger") is { } bad) return bad;
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        var (passenger, rows) = store.Read(r => (r.RecordGet(FlightPulseRecords.Passengers.Name, id),
            r.RecordQueryByIndex(FlightPulseRecords.Bookings.Name, "passenger_id", id, page.Position ?? "", page.Limit + 1)));
        if (passenger is null) return Problems.NotFound($"No passenger with id '{id}'");
        return TypedResults.Ok(Page<JsonObject>.From(rows, page.Limit, b => b.Value, b => b.Key));
    }

    private static IResult GetBooking(string id, Store store)
    {
        if (BadId(id, "booking") is { } bad) return bad;
        var booking = store.Read(r => r.RecordGet(FlightPulseRecords.Bookings.Name, id));
        return booking is null ? Problems.NotFound($"No booking with id '{id}'") : TypedResults.Ok(booking.Value);
    }

    /// <summary>
    /// Reads through the most selective index (passenger, flight, event id prefix, channel) and filters the
    /// rest, a page of the store at a time, until the page is full.
    /// </summary>
    private static IResult ListNotifications(HttpRequest request, Store store, string? flight_id, string? passenger_id, string? channel, string? event_id, string? status)
    {
        var errors = new List<FieldError>();
        if (channel is not null && !Channels.All.Contains(channel)) errors.Add(new("/channel", "must be email, sms or push"));
        if (status is not null && status is not (NotificationStatus.Pending or NotificationStatus.Sent or NotificationStatus.Failed)) errors.Add(new("/status", "must be pending, sent or failed"));
        if (flight_id is not null && !FlightIdPattern().IsMatch(flight_id)) errors.Add(new("/flight_id", "must be 1-20 letters, digits or '-'"));
        if (passenger_id is not null && !IdPattern().IsMatch(passenger_id)) errors.Add(new("/passenger_id", "must be 1-64 letters, digits, '-' or '_'"));
        if (event_id is not null && !NativeEventFormat.IsValidId(event_id)) errors.Add(new("/event_id", "must be 1-128 letters, digits, '-', '_', '.' or ':'"));
        if (errors.Count > 0) return Problems.Validation(errors);
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;

        var prefix = event_id is null ? null : event_id + "/";
        var collection = FlightPulseRecords.Notifications.Name;
        Func<StoreReader, string, List<StoredRecord>> fetch =
            passenger_id is not null ? (r, after) => r.RecordQueryByIndex(collection, "passenger_id", passenger_id, after, 500)
            : flight_id is not null ? (r, after) => r.RecordQueryByIndex(collection, "flight_id", flight_id, after, 500)
            : prefix is not null ? (r, after) => r.RecordList(collection, string.CompareOrdinal(after, prefix) < 0 ? prefix : after, 500)
            : channel is not null ? (r, after) => r.RecordQueryByIndex(collection, "channel", channel, after, 500)
            : (r, after) => r.RecordList(collection, after, 500);
        bool Keep(JsonObject n) =>
            (flight_id is null || (string?)n["flight_id"] == flight_id) && (passenger_id is null || (string?)n["passenger_id"] == passenger_id)
            && (channel is null || (string?)n["channel"] == channel) && (event_id is null || (string?)n["event_id"] == event_id)
            && (status is null || (string?)n["status"] == status);

        var rows = store.Read(r =>
        {
            var found = new List<StoredRecord>();
            var after = page.Position ?? "";
            while (found.Count <= page.Limit)
            {
                var batch = fetch(r, after);
                foreach (var record in batch)
                {
                    // Keys start with the event id: past the prefix, no later key can match.
                    if (prefix is not null && passenger_id is null && flight_id is null && !record.Key.StartsWith(prefix, StringComparison.Ordinal)) return found;
                    if (Keep(record.Value)) found.Add(record);
                    if (found.Count > page.Limit) return found;
                }
                if (batch.Count < 500) break;
                after = batch[^1].Key;
            }
            return found;
        });
        return TypedResults.Ok(Page<JsonObject>.From(rows, page.Limit, n => n.Value, n => n.Key));
    }

    private static Task<IResult> PutFlight(string id, HttpRequest request, Store store, TimeProvider time, CancellationToken ct) =>
        PutAsync(id, request, store, ReferenceData.Flight, ct, BadFlightId(id),
            (w, record, _) => ReferenceData.WriteFlight(w, record, time.GetUtcNow()),
            r => FlightRecords.View(r.RecordGet(FlightRecords.Flights.Name, id)!.Value));

    private static Task<IResult> PutPassenger(string id, HttpRequest request, Store store, CancellationToken ct) =>
        PutAsync(id, request, store, ReferenceData.Passenger, ct, BadId(id, "passenger"),
            (w, record, _) => ReferenceData.WritePassenger(w, record),
            r => r.RecordGet(FlightPulseRecords.Passengers.Name, id)!.Value);

    private static Task<IResult> PutBooking(string id, HttpRequest request, Store store, CancellationToken ct) =>
        PutAsync(id, request, store, ReferenceData.Booking, ct, BadId(id, "booking"),
            (w, record, errors) => ReferenceData.WriteBooking(w, record, errors),
            r => r.RecordGet(FlightPulseRecords.Bookings.Name, id)!.Value);

    /// <summary>
    /// One upsert: the body is the record (its id may be left out; if present it must be the path's), validated
    /// with every problem listed; 201 when created, 200 otherwise, with the record as stored.
    /// </summary>
    private static async Task<IResult> PutAsync(string id, HttpRequest request, Store store, RecordSchema schema, CancellationToken ct, IResult? badId,
        Func<StoreWriter, JsonObject, List<FieldError>, ReferenceData.Outcome> write, Func<StoreReader, JsonObject> view)
    {
        if (badId is not null) return badId;
        var (document, problem) = await JsonBody.ReadAsync(request, JsonBody.DefaultLimit, ct);
        if (document is null) return problem!;
        JsonObject body;
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) return Problems.Validation("", $"the body must be a JSON object: the {schema.Entity}");
            body = JsonObject.Create(document.RootElement)!.DeepClone().AsObject();
        }
        var errors = new List<FieldError>();
        if (body[schema.IdField] is JsonValue given && (!given.TryGetValue<string>(out var bodyId) || bodyId != id))
            errors.Add(new("/" + schema.IdField, $"must be '{id}', the id in the path (or left out)"));
        body[schema.IdField] = id;
        var record = schema.Validate(body, errors);
        if (record is null || errors.Count > 0) return Problems.Validation(errors, $"The {schema.Entity} is not valid");
        try
        {
            var (outcome, stored, refused) = await store.WriteAsync(w =>
            {
                var refusals = new List<FieldError>();
                var o = write(w, record, refusals);
                return (o, o == ReferenceData.Outcome.Refused ? null : view(w), refusals);
            }, failWhenSaturated: true, ct);
            if (outcome == ReferenceData.Outcome.Refused) return Problems.Validation(refused, $"The {schema.Entity} is not valid");
            return outcome == ReferenceData.Outcome.Created ? TypedResults.Json(stored, statusCode: StatusCodes.Status201Created) : TypedResults.Ok(stored);
        }
        catch (StoreSaturatedException)
        {
            return Problems.Saturated();
        }
    }

    private static IResult? BadFlightId(string id) =>
        FlightIdPattern().IsMatch(id) ? null : Problems.Validation("/id", "a flight id is 1-20 letters, digits or '-'");

    private static IResult? BadId(string id, string entity) =>
        IdPattern().IsMatch(id) ? null : Problems.Validation("/id", $"a {entity} id is 1-64 letters, digits, '-' or '_'");

    [GeneratedRegex("^[A-Za-z0-9-]{1,20}$")] private static partial Regex FlightIdPattern();
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")] private static partial Regex IdPattern();
}
