using System.Text.Json.Nodes;
using Contrail.Storage;

namespace Contrail.Applications.Flights;

/// <summary>The demo's flights (FlightPulse's five sample flights), embedded in the executable.</summary>
public static class FlightSeed
{
    public static JsonArray Flights()
    {
        using var stream = typeof(FlightSeed).Assembly.GetManifestResourceStream("SeedData/flights.json")!;
        return JsonNode.Parse(stream)!.AsArray();
    }

    /// <summary>Writes the sample flights; running it again changes nothing.</summary>
    public static Task<int> ApplyAsync(Store store) => store.WriteAsync(w =>
    {
        var flights = Flights();
        foreach (var flight in flights) FlightRecords.Seed(w, flight!.AsObject());
        return flights.Count;
    });
}
