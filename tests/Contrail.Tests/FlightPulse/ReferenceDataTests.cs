using System.Net.Http.Headers;
using Contrail.Applications.FlightPulse;
using Contrail.Auth;

namespace Contrail.Tests.FlightPulse;

/// <summary>
/// Reference data the three ways it arrives (PUT routes, bus events, import files), and FlightPulse's read
/// routes: flat snake_case objects, paged lists, no contact details, 4xx problem+json for bad input.
/// </summary>
public sealed class ReferenceDataTests : IAsyncLifetime
{
    private FlightPulseHarness _fp = null!;

    public async ValueTask InitializeAsync() => _fp = await FlightPulseHarness.StartAsync();

    public ValueTask DisposeAsync() => _fp.DisposeAsync();

    [Fact]
    public async Task The_read_routes_answer_flat_records_and_hide_contact_details()
    {
        var health = await _fp.Server.CreateClient(null).GetJsonAsync("/health");
        Assert.Equal("healthy", (string?)health!["status"]);
        Assert.Equal("flightpulse-api", (string?)health["service"]);

        var passenger = (await _fp.Client.GetJsonAsync("/passengers/P003"))!.AsObject();
        Assert.Equal("Michael", (string?)passenger["first_name"]);
        Assert.Equal("wheelchair_assistance", (string?)passenger["special_requests"]![0]);
        Assert.False(passenger.ContainsKey("email"));
        Assert.False(passenger.ContainsKey("phone"));
        Assert.DoesNotContain(passenger, p => p.Key is "PK" or "SK" || p.Key.StartsWith("GSI"));

        var booking = await _fp.Client.GetJsonAsync("/bookings/B003");
        Assert.Equal("CONFIRMED", (string?)booking!["booking_status"]);
        Assert.True((bool)booking["checked_in"]!);

        var page = await _fp.Client.GetJsonAsync("/flights/SW1234/bookings?limit=3");
        Assert.Equal(["B001", "B002", "B003"], page!["items"]!.AsArray().Select(b => (string)b!["booking_id"]!).ToArray());
        var next = await _fp.Client.GetJsonAsync($"/flights/SW1234/bookings?limit=3&cursor={page["next_cursor"]}");
        Assert.Equal(["B004"], next!["items"]!.AsArray().Select(b => (string)b!["booking_id"]!).ToArray());
        Assert.Null(next["next_cursor"]);

        var mine = await _fp.Client.GetJsonAsync("/passengers/P001/bookings");
        Assert.Equal(["B001", "B011"], mine!["items"]!.AsArray().Select(b => (string)b!["booking_id"]!).ToArray());

        var flights = await _fp.Client.GetJsonAsync("/flights?status=SCHEDULED");
        Assert.Equal(5, flights!["items"]!.AsArray().Count);
        var flight = await _fp.Client.GetJsonAsync("/flights/SW1234");
        Assert.Equal(0, (int)flight!["delay_minutes"]!);
        Assert.True(flight.AsObject().ContainsKey("delay_reason"));
    }

    [Theory]
    [InlineData("/passengers/NOPE", HttpStatusCode.NotFound)]
    [InlineData("/passengers/NOPE/bookings", HttpStatusCode.NotFound)]
    [InlineData("/bookings/NOPE", HttpStatusCode.NotFound)]
    [InlineData("/flights/NOPE/bookings", HttpStatusCode.NotFound)]
    [InlineData("/flights/SW!1/bookings", HttpStatusCode.BadRequest)]
    [InlineData("/passengers/P%20001", HttpStatusCode.BadRequest)]
    [InlineData("/notifications?channel=fax", HttpStatusCode.BadRequest)]
    [InlineData("/notifications?status=lost", HttpStatusCode.BadRequest)]
    [InlineData("/notifications?limit=0", HttpStatusCode.BadRequest)]
    [InlineData("/flights/SW1234/bookings?cursor=***", HttpStatusCode.BadRequest)]
    public async Task Bad_requests_get_a_problem(string path, HttpStatusCode status)
    {
        using var response = await _fp.Client.GetAsync(path);
        await response.ProblemAsync(status);
    }

    [Fact]
    public async Task Writes_need_the_admin_scope()
    {
        var keys = _fp.Server.Services.GetRequiredService<ApiKeys>();
        var reader = await keys.CreateAsync("reader", [Scopes.Read, Scopes.Ingest]);
        using var client = _fp.Server.CreateClient(reader.Secret);
        using var response = await client.PutJsonAsync("/passengers/P011", """{"first_name":"A","last_name":"B","tier":"MEMBER","notification_preferences":{}}""");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var anonymous = await _fp.Server.CreateClient(null).GetAsync("/passengers/P001");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Put_creates_then_updates_and_refuses_invalid_records_with_every_problem()
    {
        using (var created = await _fp.Client.PutJsonAsync("/passengers/P011", """
            {"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","phone":"+15550000011","tier":"A-LIST","notification_preferences":{"email":true,"sms":true}}
            """))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var body = await created.JsonAsync();
            Assert.Equal("P011", (string?)body["passenger_id"]);
            Assert.False((bool)body["notification_preferences"]!["push"]!);
        }
        using (var updated = await _fp.Client.PutJsonAsync("/passengers/P011", """
            {"passenger_id":"P011","first_name":"Ada","last_name":"King","tier":"A-LIST","notification_preferences":{"email":true}}
            """))
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("King", (string?)(await _fp.Client.GetJsonAsync("/passengers/P011"))!["last_name"]);

        using var invalid = await _fp.Client.PutJsonAsync("/passengers/P012", """
            {"passenger_id":"P999","first_name":"","tier":"GOLD","email":"nope","phone":"555","notification_preferences":{"fax":true},"special_requests":[1]}
            """);
        var errors = (await invalid.ProblemAsync(HttpStatusCode.BadRequest)).Errors();
        foreach (var pointer in new[] { "/passenger_id", "/first_name", "/last_name", "/tier", "/email", "/phone", "/notification_preferences/fax", "/special_requests/0" })
            Assert.Contains(errors, e => e.StartsWith(pointer + ":"));

        using var orphan = await _fp.Client.PutJsonAsync("/bookings/B100", """{"passenger_id":"P404","flight_id":"SW404","booking_status":"CONFIRMED","seat":"99Z"}""");
        errors = (await orphan.ProblemAsync(HttpStatusCode.BadRequest)).Errors();
        Assert.Contains(errors, e => e.StartsWith("/seat:"));
        using var missing = await _fp.Client.PutJsonAsync("/bookings/B100", """{"passenger_id":"P404","flight_id":"SW404","booking_status":"CONFIRMED"}""");
        errors = (await missing.ProblemAsync(HttpStatusCode.BadRequest)).Errors();
        Assert.Contains("/flight_id: no flight with id 'SW404'; write the flight first", errors);
        Assert.Contains("/passenger_id: no passenger with id 'P404'; write the passenger first", errors);

        using var notJson = await _fp.Client.PutJsonAsync("/flights/SW1", "[1]");
        await notJson.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Put_flight_is_an_operators_statement_that_wins_over_older_events()
    {
        using var created = await _fp.Client.PutJsonAsync("/flights/SW2000", """
            {"origin":"DAL","destination":"HOU","scheduled_departure":"2025-01-16T08:00:00+01:00","scheduled_arrival":"2025-01-16T09:00:00Z","gate":"C4"}
            """);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var flight = await created.JsonAsync();
        Assert.Equal("2025-01-16T07:00:00Z", (string?)flight["scheduled_departure"]);
        using var updated = await _fp.Client.PutJsonAsync("/flights/SW2000", """
            {"origin":"DAL","destination":"HOU","scheduled_departure":"2025-01-16T07:00:00Z","scheduled_arrival":"2025-01-16T09:00:00Z","gate":"C9","status":"BOARDING"}
            """);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("C9", (string?)(await _fp.Client.GetJsonAsync("/flights/SW2000"))!["gate"]);
    }

    [Fact]
    public async Task Bus_events_create_and_cancel_bookings_and_update_passengers()
    {
        async Task Publish(string detailType, string detail)
        {
            using var response = await _fp.Client.PostJsonAsync("/events", $$"""{"source":"reservations","detail-type":"{{detailType}}","detail":{{detail}}}""");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        await Publish("booking.created", """{"booking_id":"B016","passenger_id":"P010","flight_id":"SW7890","seat":"21C","confirmation_number":"ZZZ999"}""");
        var booking = await Eventually.Until(() => _fp.Client.GetJsonAsync("/bookings/B016"), b => b is not null, because: "booking.created applied");
        Assert.Equal("CONFIRMED", (string?)booking!["booking_status"]);

        await Publish("booking.cancelled", """{"booking_id":"B016"}""");
        await Eventually.Until(() => _fp.Client.GetJsonAsync("/bookings/B016"), b => (string?)b!["booking_status"] == "CANCELLED", because: "booking.cancelled applied");
        // A cancelled booking is no longer affected by its flight's disruptions.
        var id = await _fp.SendAsync(Scenarios.Event(OperationalEventFormat.Delay, "SW7890", DateTimeOffset.UtcNow, 10));
        Assert.Equal(2, (int)(await _fp.EnvelopeAsync(id))["detail"]!["affected_passengers_count"]!);

        await Publish("passenger.updated", """{"passenger_id":"P010","tier":"A-LIST","notification_preferences":{"email":false,"sms":true,"push":false}}""");
        await Eventually.Until(() => _fp.Client.GetJsonAsync("/passengers/P010"), p => (string?)p!["tier"] == "A-LIST", because: "passenger.updated applied");
        Assert.Equal("Amanda", (string?)(await _fp.Client.GetJsonAsync("/passengers/P010"))!["first_name"]);

        // One that can never apply goes to the dead-letter queue with the reason.
        await Publish("booking.created", """{"booking_id":"B017","passenger_id":"P404","flight_id":"SW7890"}""");
        var dead = await Eventually.Until(() => _fp.Client.GetJsonAsync($"/queues/{ReferenceEvents.Queue}-dlq/messages"),
            m => m!["items"]!.AsArray().Count == 1, because: "the refused booking dead-lettered");
        Assert.Contains("no passenger with id 'P404'", (string?)dead!["items"]![0]!["last_error"]);
    }

    [Fact]
    public async Task Import_loads_json_and_csv_upserts_by_id_and_reports_refused_records()
    {
        var dir = TempDirectory.Create("import");
        try
        {
            var dataDir = Path.Combine(dir, "data");
            await File.WriteAllTextAsync(Path.Combine(dir, "flights.csv"), "flight_id,origin,destination,scheduled_departure,scheduled_arrival,gate,delay_minutes\n"
                + "IM100,DAL,LAX,2025-02-01T08:00:00Z,2025-02-01T10:00:00Z,A1,0\nIM101,DAL,LAX,2025-02-01T09:00:00Z,2025-02-01T11:00:00Z,A2,soon\n");
            await File.WriteAllTextAsync(Path.Combine(dir, "passengers.csv"),
                "passenger_id,first_name,last_name,email,phone,tier,notification_preferences.email,notification_preferences.sms,notification_preferences.push,special_requests\n"
                + "IP1,\"Smith, Jr.\",Doe,jd@example.com,+15550001111,MEMBER,true,false,false,wheelchair_assistance;extra_legroom\n");
            await File.WriteAllTextAsync(Path.Combine(dir, "bookings.json"), """
                [{"booking_id":"IB1","passenger_id":"IP1","flight_id":"IM100","booking_status":"CONFIRMED","PK":"BOOKING#IB1","SK":"METADATA","GSI2PK":"CONFIRMED"},
                 {"PK":"FLIGHT#IM100","SK":"BOOKING#IB1","booking_id":"IB1","passenger_id":"IP1"},
                 {"booking_id":"IB2","passenger_id":"IP1","flight_id":"IM101","booking_status":"CONFIRMED"}]
                """);
            var args = new[] { "import", "--data-dir", dataDir, "--flights", Path.Combine(dir, "flights.csv"), "--passengers", Path.Combine(dir, "passengers.csv"), "--bookings", Path.Combine(dir, "bookings.json") };
            var (code, output) = await FlightPulseHarness.RunCliAsync(args);
            Assert.Equal(1, code);
            Assert.Contains("record 2 (IM101): /delay_minutes: must be a whole number from 0 to 1440", output);
            Assert.Contains("record 3 (IB2): /flight_id: no flight with id 'IM101'", output);
            Assert.Contains("1 lookup items skipped", output);
            // Again: the same records are unchanged, nothing is duplicated.
            (code, output) = await FlightPulseHarness.RunCliAsync(args);
            Assert.Contains("passengers.csv: 1 read, 0 created, 0 updated, 1 unchanged", output);

            await using var server = await TestServerOn(dataDir);
            var passenger = await server.Client.GetJsonAsync("/passengers/IP1");
            Assert.Equal("Smith, Jr.", (string?)passenger!["first_name"]);
            Assert.Equal(["wheelchair_assistance", "extra_legroom"], passenger["special_requests"]!.AsArray().Select(s => (string)s!).ToArray());
            Assert.Equal("IM100", (string?)(await server.Client.GetJsonAsync("/bookings/IB1"))!["flight_id"]);
        }
        finally
        {
            TempDirectory.Delete(dir);
        }
    }

    [Fact]
    public async Task Seed_is_idempotent_and_refused_while_a_server_holds_the_data_directory()
    {
        var dir = TempDirectory.Create("seed");
        try
        {
            var (code, output) = await FlightPulseHarness.RunCliAsync(["seed", "--data-dir", dir]);
            Assert.Equal(0, code);
            Assert.Contains("bookings: 15 created", output);
            (code, output) = await FlightPulseHarness.RunCliAsync(["seed", "--data-dir", dir]);
            Assert.Contains("bookings: 0 created, 15 already there", output);
            await using var server = await TestServerOn(dir);
            (code, output) = await FlightPulseHarness.RunCliAsync(["seed", "--data-dir", dir]);
            Assert.Equal(2, code);
            Assert.Contains("Stop the server first", output);
        }
        finally
        {
            TempDirectory.Delete(dir);
        }
    }

    private static Task<TestServer> TestServerOn(string dataDir) => TestServer.StartAsync(new Dictionary<string, string?> { ["DataDir"] = dataDir });

}
