using System.Text.Json.Nodes;
using Contrail.Auth;
using Contrail.Http;
using Contrail.Storage;

namespace Contrail.Applications.Flights;

/// <summary><c>GET /flights</c> (paged, <c>?status=</c>), <c>GET /flights/{id}</c>, <c>GET /flights/{id}/history</c>.</summary>
public static class FlightEndpoints
{
    public static IEndpointRouteBuilder MapFlights(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/flights").WithTags("Flights").RequireAuthorization(Scopes.Read);
        group.MapGet("", ListFlights).WithSummary("Flights, by id; ?status= filters by status");
        group.MapGet("/{id}", GetFlight).WithSummary("One flight");
        group.MapGet("/{id}/history", GetHistory).WithSummary("The events applied to a flight, oldest first");
        return app;
    }

    private static IResult ListFlights(HttpRequest request, Store store, string? status)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        var after = page.Position ?? "";
        var rows = store.Read(r => status is null
            ? r.RecordList(FlightRecords.Flights.Name, after, page.Limit + 1)
            : r.RecordQueryByIndex(FlightRecords.Flights.Name, "status", status, after, page.Limit + 1));
        return TypedResults.Ok(Page<JsonObject>.From(rows, page.Limit, f => FlightRecords.View(f.Value), f => f.Key));
    }

    private static IResult GetFlight(string id, Store store)
    {
        var flight = store.Read(r => r.RecordGet(FlightRecords.Flights.Name, id));
        return flight is null ? Problems.NotFound($"No flight with id '{id}'") : TypedResults.Ok(FlightRecords.View(flight.Value));
    }

    private static IResult GetHistory(string id, HttpRequest request, Store store)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        var (flight, rows) = store.Read(r => (r.RecordGet(FlightRecords.Flights.Name, id),
            r.RecordQueryByIndex(FlightRecords.History.Name, "flight_id", id, page.Position ?? "", page.Limit + 1)));
        if (flight is null) return Problems.NotFound($"No flight with id '{id}'");
        return TypedResults.Ok(Page<JsonObject>.From(rows, page.Limit, h => h.Value, h => h.Key));
    }
}
