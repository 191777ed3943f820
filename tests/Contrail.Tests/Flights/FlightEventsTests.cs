namespace Contrail.Tests.Flights;

public sealed class FlightEventsTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task Send(string flightId, string time, string fields, string type = "flight.updated")
    {
        using var response = await _server.Client.PostJsonAsync("/events",
            $$$"""{"source":"ops","detail-type":"{{{type}}}","time":"{{{time}}}","detail":{"flight_id":"{{{flightId}}}"{{{(fields.Length > 0 ? "," + fields : "")}}}}}""");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private Task<JsonNode?> FlightAfter(string flightId, int historyCount) =>
        Eventually.Until(async () => (await _server.Client.GetJsonAsync($"/flights/{flightId}/history"))?["items"]!.AsArray().Count == historyCount
                ? await _server.Client.GetJsonAsync($"/flights/{flightId}") : null,
            f => f is not null, because: $"{historyCount} events applied to {flightId}");

    [Fact]
    public async Task An_unknown_flight_is_created_by_its_first_event()
    {
        await Send("NEW1", "2025-01-15T08:00:00Z", "\"origin\":\"DAL\",\"status\":\"SCHEDULED\"", "flight.created");
        var flight = await FlightAfter("NEW1", 1);
        Assert.Equal("DAL", (string?)flight!["origin"]);
        Assert.Equal("SCHEDULED", (string?)flight["status"]);
        Assert.Equal("flight.created", (string?)flight["last_event_type"]);
        Assert.Equal("2025-01-15T08:00:00.000Z", (string?)flight["updated_at"]);
        // Every field of the flat record is present, null when unknown.
        Assert.True(flight.AsObject().ContainsKey("gate"));
        Assert.Null(flight["gate"]);
    }

    [Fact]
    public async Task An_update_changes_only_the_fields_it_carries_and_null_clears_a_field()
    {
        await Send("UPD1", "2025-01-15T08:00:00Z", "\"origin\":\"DAL\",\"gate\":\"A1\",\"status\":\"SCHEDULED\"", "flight.created");
        await Send("UPD1", "2025-01-15T08:05:00Z", "\"gate\":\"B2\"");
        await Send("UPD1", "2025-01-15T08:10:00Z", "\"status\":null");
        var flight = await FlightAfter("UPD1", 3);
        Assert.Equal("DAL", (string?)flight!["origin"]);
        Assert.Equal("B2", (string?)flight["gate"]);
        Assert.Null(flight["status"]);
        Assert.Equal("2025-01-15T08:10:00.000Z", (string?)flight["updated_at"]);
    }

    [Fact]
    public async Task A_late_older_event_never_overwrites_newer_state()
    {
        await Send("LATE1", "2025-01-15T09:00:00Z", "\"gate\":\"NEW\",\"status\":\"BOARDING\"");
        await Send("LATE1", "2025-01-15T08:00:00Z", "\"gate\":\"OLD\",\"delay_minutes\":15");
        var flight = await FlightAfter("LATE1", 2);
        Assert.Equal("NEW", (string?)flight!["gate"]);
        Assert.Equal("BOARDING", (string?)flight["status"]);
        // The older event still set the field nothing newer had written.
        Assert.Equal(15, (int)flight["delay_minutes"]!);
        Assert.Equal("2025-01-15T09:00:00.000Z", (string?)flight["updated_at"]);
        var history = await _server.Client.GetJsonAsync("/flights/LATE1/history");
        Assert.Equal(["2025-01-15T08:00:00.000Z", "2025-01-15T09:00:00.000Z"],
            history!["items"]!.AsArray().Select(h => (string)h!["time"]!).ToArray());
    }

    [Fact]
    public async Task Seed_000_format_updates_the_flight_through_the_persist_rule()
    {
        using var response = await _server.Client.PostJsonAsync("/events", """{"type":"flight.updated","data":{"flightId":"AB123","destination":"LHR","status":"boarding","gate":"A5"}}""");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var flight = await FlightAfter("AB123", 1);
        Assert.Equal("LHR", (string?)flight!["destination"]);
        Assert.Equal("boarding", (string?)flight["status"]);
        Assert.Equal("A5", (string?)flight["gate"]);
    }

    [Fact]
    public async Task Types_other_than_created_and_updated_do_not_touch_flights()
    {
        using var response = await _server.Client.PostJsonAsync("/events", """{"type":"FLIGHT_UPDATED","data":{"flightId":"NOPE1","status":"x"}}""");
        var id = (string?)(await response.JsonAsync())["event_id"];
        var detail = await _server.Client.GetJsonAsync($"/events/{id}");
        Assert.Equal("accepted", (string?)detail!["status"]);
        Assert.Empty(detail["deliveries"]!.AsArray());
        using var flight = await _server.Client.GetAsync("/flights/NOPE1");
        await flight.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_event_without_a_flight_id_goes_to_the_dead_letter_queue_with_the_reason()
    {
        using var response = await _server.Client.PostJsonAsync("/events", """{"id":"no-flight","source":"ops","detail-type":"flight.updated","detail":{"gate":"A1"}}""");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var detail = await Eventually.Until(() => _server.Client.GetJsonAsync("/events/no-flight"), e => (string?)e!["status"] == "dead_lettered");
        var dead = detail!["deliveries"]!.AsArray().Single(d => (string?)d!["state"] == "dead_lettered");
        Assert.Equal("flight-events-persist", (string?)dead!["queue"]);
        Assert.Contains("missing flightId", (string?)dead["last_error"]);
        var dlq = await _server.Client.GetJsonAsync("/queues/flight-events-persist/messages?dlq=true");
        Assert.Single(dlq!["items"]!.AsArray());
    }

    [Fact]
    public async Task Flights_list_filters_by_status_and_pages()
    {
        for (var i = 0; i < 3; i++) await Send($"LIST{i}", "2025-01-15T08:00:00Z", "\"status\":\"DELAYED\"");
        await Send("LIST9", "2025-01-15T08:00:00Z", "\"status\":\"SCHEDULED\"");
        await Eventually.Until(async () => (await _server.Client.GetJsonAsync("/flights?status=DELAYED"))!["items"]!.AsArray().Count, n => n == 3);
        var page = await _server.Client.GetJsonAsync("/flights?status=DELAYED&limit=2");
        Assert.Equal(["LIST0", "LIST1"], page!["items"]!.AsArray().Select(f => (string)f!["flight_id"]!).ToArray());
        var next = await _server.Client.GetJsonAsync($"/flights?status=DELAYED&limit=2&cursor={(string?)page["next_cursor"]}");
        Assert.Equal(["LIST2"], next!["items"]!.AsArray().Select(f => (string)f!["flight_id"]!).ToArray());
        Assert.Null((string?)next["next_cursor"]);
    }

    [Theory]
    [InlineData("UNKNOWN")]
    [InlineData("x")]
    [InlineData("a%20b")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000000000000000")]
    public async Task Any_unknown_flight_id_is_a_404_problem_never_400(string id)
    {
        using var response = await _server.Client.GetAsync($"/flights/{id}");
        await response.ProblemAsync(HttpStatusCode.NotFound);
    }
}
