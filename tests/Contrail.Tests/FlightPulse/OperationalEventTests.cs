using Contrail.Applications.FlightPulse;

namespace Contrail.Tests.FlightPulse;

/// <summary>
/// FlightPulse's envelope on <c>POST /events</c>: synchronous validation listing every problem with nothing
/// stored, categorisation and enrichment, duplicates answered the same and processed once, batches.
/// </summary>
public sealed class OperationalEventTests : IAsyncLifetime
{
    private FlightPulseHarness _fp = null!;

    // With FlightPulse's rules as the product declares them: these tests are about acceptance and routing.
    public async ValueTask InitializeAsync() => _fp = await FlightPulseHarness.StartAsync(driveWorkflows: false);

    public ValueTask DisposeAsync() => _fp.DisposeAsync();

    private async Task<int> StoredEvents() => (await _fp.Client.GetJsonAsync("/events?limit=1000"))!["items"]!.AsArray().Count;

    [Fact]
    public async Task An_invalid_event_is_refused_with_every_problem_and_nothing_is_stored()
    {
        using var response = await _fp.Client.PostJsonAsync("/events", """
            {"event_id":"bad id!","event_type":"FLIGHT_DELAY","timestamp":"yesterday","source":"",
             "payload":{"flight_id":"SW1234567890123456789012","delay_minutes":1441.5,"reason":"ALIENS","new_departure":"soon","colour":"red"},"extra":true}
            """);
        var errors = (await response.ProblemAsync(HttpStatusCode.BadRequest)).Errors();
        Assert.Contains(errors, e => e.StartsWith("/event_id:"));
        Assert.Contains(errors, e => e.StartsWith("/timestamp:"));
        Assert.Contains(errors, e => e.StartsWith("/source:"));
        Assert.Contains(errors, e => e.StartsWith("/extra:"));
        Assert.Contains(errors, e => e.StartsWith("/payload/flight_id:"));
        Assert.Contains(errors, e => e.StartsWith("/payload/delay_minutes:") && e.Contains("0 to 1440"));
        Assert.Contains(errors, e => e.StartsWith("/payload/reason:") && e.Contains("WEATHER"));
        Assert.Contains(errors, e => e.StartsWith("/payload/new_departure:"));
        Assert.Contains(errors, e => e.StartsWith("/payload/colour:"));
        Assert.Equal(0, await StoredEvents());
    }

    [Theory]
    [InlineData("""{"event_type":"FLIGHT_DELAY"}""", "/event_id: required", "/timestamp: required", "/source: required", "/payload: required")]
    [InlineData("""{"event_id":"e1","event_type":"FLIGHT_DIVERTED","timestamp":"2025-01-15T08:00:00Z","source":"ops","payload":{"flight_id":"SW1234"}}""", "/event_type: unknown event type 'FLIGHT_DIVERTED'")]
    [InlineData("""{"event_id":"e2","event_type":"FLIGHT_DELAY","timestamp":"2025-01-15T08:00:00Z","source":"ops","payload":{"flight_id":"XX999","delay_minutes":10,"reason":"ATC"}}""", "/payload/flight_id: unknown flight 'XX999'")]
    [InlineData("""{"event_id":"e3","event_type":"FLIGHT_DELAY","timestamp":"2025-01-15T08:00:00Z","source":"ops","payload":{"flight_id":"SW1234","delay_minutes":"25","reason":"ATC"}}""", "/payload/delay_minutes: must be a whole number")]
    [InlineData("""{"event_id":"e4","event_type":"FLIGHT_CANCELLED","timestamp":"2025-01-15T08:00:00Z","source":"ops","payload":{"flight_id":"SW1234","reason":"ATC","rebooking_priority":"URGENT"}}""", "/payload/reason: must be one of WEATHER, MECHANICAL, CREW, OTHER", "/payload/rebooking_priority: must be one of HIGH, NORMAL, LOW")]
    [InlineData("""{"event_id":"e5","event_type":"GATE_CHANGE","timestamp":"2025-01-15T08:00:00Z","source":"ops","payload":{"flight_id":"SW1234","terminal_change":"yes"}}""", "/payload/new_gate: required", "/payload/terminal_change: must be true or false")]
    [InlineData("""{"event_id":"e6","event_type":"GATE_CHANGE","timestamp":"2025-01-15T08:00:00Z","source":"ops","payload":["SW1234"]}""", "/payload: must be a JSON object")]
    public async Task Each_rule_is_checked(string body, params string[] expected)
    {
        using var response = await _fp.Client.PostJsonAsync("/events", body);
        var errors = (await response.ProblemAsync(HttpStatusCode.BadRequest)).Errors();
        foreach (var e in expected) Assert.Contains(errors, actual => actual.StartsWith(e, StringComparison.Ordinal));
        Assert.Equal(0, await StoredEvents());
    }

    [Theory]
    [InlineData(0, "flight.delay.minor", "MINOR")]
    [InlineData(29, "flight.delay.minor", "MINOR")]
    [InlineData(30, "flight.delay.major", "MAJOR")]
    [InlineData(120, "flight.delay.major", "MAJOR")]
    [InlineData(121, "flight.delay.severe", "SEVERE")]
    [InlineData(1440, "flight.delay.severe", "SEVERE")]
    public async Task Delays_are_categorised_by_minutes(int minutes, string detailType, string category)
    {
        var id = await _fp.SendAsync(Scenarios.Event(OperationalEventFormat.Delay, "SW1234", DateTimeOffset.UtcNow, minutes));
        var envelope = await _fp.EnvelopeAsync(id);
        Assert.Equal(detailType, (string?)envelope["detail-type"]);
        Assert.Equal(OperationalEventFormat.Source, (string?)envelope["source"]);
        Assert.Equal(category, (string?)envelope["detail"]!["delay_category"]);
    }

    [Fact]
    public async Task Events_are_enriched_with_the_flight_and_the_affected_passenger_count()
    {
        var id = await _fp.SendAsync(Scenarios.Event(OperationalEventFormat.GateChange, "SW3456", DateTimeOffset.UtcNow, oldGate: "A5", newGate: "D15", terminalChange: true));
        var detail = (await _fp.EnvelopeAsync(id))["detail"]!;
        Assert.Equal(3, (int)detail["affected_passengers_count"]!);
        Assert.Equal("LAS", (string?)detail["flight_details"]!["origin"]);
        Assert.Equal("SEA", (string?)detail["flight_details"]!["destination"]);
        Assert.Equal("2025-01-15T11:15:00Z", (string?)detail["flight_details"]!["original_departure"]);
        Assert.Equal("airport_ops", (string?)detail["source"]);
        Assert.True((bool)detail["terminal_change"]!);

        var cancel = await _fp.SendAsync(Scenarios.Event(OperationalEventFormat.Cancelled, "SW1234", DateTimeOffset.UtcNow));
        Assert.Equal(4, (int)(await _fp.EnvelopeAsync(cancel))["detail"]!["affected_passengers_count"]!);
        var metrics = await _fp.Client.GetJsonAsync("/flightpulse/metrics");
        Assert.Equal(1, (long)metrics!["GateChangeEventsProcessed"]!);
        Assert.Equal(1, (long)metrics["CancellationEventsProcessed"]!);
    }

    [Fact]
    public async Task A_timestamp_without_offset_is_read_as_utc_and_a_delay_without_new_times_moves_the_schedule()
    {
        using var response = await _fp.Client.PostJsonAsync("/events", """
            {"event_id":"naive-1","event_type":"FLIGHT_DELAY","timestamp":"2025-01-15T07:30:00.123456","source":"operations_center",
             "payload":{"flight_id":"SW1234","delay_minutes":45,"reason":"ATC"}}
            """);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var envelope = await _fp.EnvelopeAsync("naive-1");
        Assert.Equal("2025-01-15T07:30:00.123Z", (string?)envelope["time"]);
        Assert.Equal("2025-01-15T08:45:00Z", (string?)envelope["detail"]!["new_departure"]);
        Assert.Equal("2025-01-15T11:15:00Z", (string?)envelope["detail"]!["new_arrival"]);
    }

    [Fact]
    public async Task A_duplicate_gets_the_same_202_and_is_processed_once()
    {
        var operational = Scenarios.Event(OperationalEventFormat.Delay, "SW5678", DateTimeOffset.UtcNow, 90, "MECHANICAL");
        var id = (string)operational["event_id"]!;
        var answers = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await _fp.Client.PostJsonAsync("/events", operational.ToJsonString());
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            answers.Add(await response.Content.ReadAsStringAsync());
        }
        Assert.All(answers, a => Assert.Equal($$"""{"status":"accepted","event_id":"{{id}}"}""", a));
        Assert.Equal(1, await StoredEvents());
        Assert.Equal(1, (long)(await _fp.Client.GetJsonAsync("/flightpulse/metrics"))!["DelayEventsProcessed"]!);
        Assert.NotNull(_fp.Server.Store.Read(r => r.RecordGet("disruptions", id)));

        // The same id with another body is not a duplicate: 409, and still one event.
        operational["payload"]!["delay_minutes"] = 10;
        using var conflict = await _fp.Client.PostJsonAsync("/events", operational.ToJsonString());
        await conflict.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(1, await StoredEvents());
    }

    [Fact]
    public async Task A_batch_accepts_the_valid_events_and_lists_the_problems_of_the_others()
    {
        var good = Scenarios.Event(OperationalEventFormat.Cancelled, "SW9012", DateTimeOffset.UtcNow);
        var bad = Scenarios.Event(OperationalEventFormat.GateChange, "NOPE1", DateTimeOffset.UtcNow, newGate: "C1");
        using var response = await _fp.Client.PostJsonAsync("/events", new JsonArray(good, bad).ToJsonString());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var results = (await response.JsonAsync())["results"]!.AsArray();
        Assert.Equal("accepted", (string?)results[0]!["status"]);
        Assert.Equal((string?)good["event_id"], (string?)results[0]!["event_id"]);
        Assert.Equal("rejected", (string?)results[1]!["status"]);
        Assert.Contains(results[1]!["errors"]!.AsArray(), e => (string?)e!["pointer"] == "/payload/flight_id");
        Assert.Equal(1, await StoredEvents());
    }

    [Fact]
    public async Task Categorised_events_match_the_workflow_rules()
    {
        var id = await _fp.SendAsync(Scenarios.Event(OperationalEventFormat.Delay, "SW1234", DateTimeOffset.UtcNow, 200));
        var stored = await _fp.Client.GetJsonAsync($"/events/{id}");
        Assert.Equal(["flightpulse-delay"], stored!["matched_rules"]!.AsArray().Select(r => (string)r!).ToArray());
        id = await _fp.SendAsync(Scenarios.Event(OperationalEventFormat.Cancelled, "SW1234", DateTimeOffset.UtcNow));
        Assert.Equal(["flightpulse-cancellation"], (await _fp.Client.GetJsonAsync($"/events/{id}"))!["matched_rules"]!.AsArray().Select(r => (string)r!).ToArray());
    }

    [Fact]
    public async Task The_simulator_sends_the_producers_events_and_scenarios()
    {
        var (code, output) = await FlightPulseHarness.RunCliAsync(["simulate", "--url", _fp.Server.Url, "--api-key", _fp.Server.ApiKey,
            "--event-type", "GATE_CHANGE", "--flight-id", "SW3456", "--old-gate", "A5", "--new-gate", "D15", "--terminal-change"]);
        Assert.True(code == 0, output);
        Assert.Contains("202 {\"status\":\"accepted\"", output);
        var gate = (await _fp.Client.GetJsonAsync("/events?detail_type=flight.gate_change"))!["items"]!.AsArray().Single()!["event"]!["detail"]!;
        Assert.True((bool)gate["terminal_change"]!);
        Assert.Equal("airport_ops", (string?)gate["source"]);

        (code, output) = await FlightPulseHarness.RunCliAsync(["scenario", "5", "--url", _fp.Server.Url, "--api-key", _fp.Server.ApiKey]);
        Assert.True(code == 0, output);
        Assert.Equal(4, await StoredEvents());

        (code, output) = await FlightPulseHarness.RunCliAsync(["simulate", "--url", _fp.Server.Url, "--api-key", _fp.Server.ApiKey,
            "--event-type", "FLIGHT_DELAY", "--flight-id", "NOPE9"]);
        Assert.Equal(1, code);
        Assert.Contains("unknown flight 'NOPE9'", output);
    }
}
