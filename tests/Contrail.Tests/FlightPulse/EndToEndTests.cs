using System.Text;
using Contrail.Applications.FlightPulse;
using Contrail.Bus;
using Contrail.Cli;

namespace Contrail.Tests.FlightPulse;

/// <summary>
/// FlightPulse end to end on the real executable: rules start the workflows on the durable workflow engine.
/// These need that engine (the <c>workflow</c> rule target kind); in a build without it they are skipped with
/// that reason rather than run against anything that pretends to be it.
/// </summary>
public sealed class EndToEndTests
{
    private static readonly Lazy<Task<bool>> DurableWorkflows = new(async () =>
    {
        await using var server = await TestServer.StartAsync();
        return server.Services.GetServices<TargetKind>().Any(k => k.Type == "workflow");
    });

    private static async Task RequireDurableWorkflows()
    {
        if (!await DurableWorkflows.Value)
            Assert.Skip("the durable workflow engine (rule target kind 'workflow') is not in this build; FlightPulse's rules cannot start its workflows");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Each_scenario_passes_verification_against_a_freshly_started_server(int number)
    {
        await RequireDurableWorkflows();
        var dataDir = TempDirectory.Create("scenario");
        var apiKey = "scenario-" + Guid.NewGuid().ToString("N");
        try
        {
            Assert.Equal(0, await ContrailCli.RunAsync(["seed", "--data-dir", dataDir]));
            await using var server = await ContrailProcess.StartAsync(dataDir, apiKey);
            var output = new StringWriter();
            var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
            {
                Out = new Spectre.Console.AnsiConsoleOutput(output),
                Interactive = Spectre.Console.InteractionSupport.No,
            });
            using var http = new HttpClient { BaseAddress = new Uri(server.Url) };
            http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
            var code = await Scenarios.RunAsync(http, number, verify: true, TimeSpan.FromSeconds(60), console, TestContext.Current.CancellationToken);
            TestContext.Current.TestOutputHelper?.WriteLine(output.ToString());
            Assert.True(code == 0, output.ToString());
            Assert.DoesNotContain("FAIL", output.ToString());
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }

    [Fact]
    public async Task A_crash_during_a_cancellation_workflow_records_every_passengers_notification_exactly_once()
    {
        await RequireDurableWorkflows();
        const int passengers = 300;
        var dataDir = TempDirectory.Create("fp-crash");
        var apiKey = "crash-" + Guid.NewGuid().ToString("N");
        try
        {
            // One flight, 300 passengers who want email and SMS.
            var files = TempDirectory.Create("fp-crash-files");
            await File.WriteAllTextAsync(Path.Combine(files, "flights.json"),
                """[{"flight_id":"CR100","origin":"DAL","destination":"LAX","scheduled_departure":"2025-03-01T08:00:00Z","scheduled_arrival":"2025-03-01T10:00:00Z"}]""");
            var people = new StringBuilder("passenger_id,first_name,last_name,email,phone,tier,notification_preferences.email,notification_preferences.sms\n");
            var bookings = new StringBuilder("booking_id,passenger_id,flight_id,booking_status\n");
            for (var i = 0; i < passengers; i++)
            {
                people.Append($"CP{i:D3},Pat,Crash{i},cp{i}@example.com,+1555000{i:D4},{Tiers.All[i % 3]},true,true\n");
                bookings.Append($"CB{i:D3},CP{i:D3},CR100,CONFIRMED\n");
            }
            await File.WriteAllTextAsync(Path.Combine(files, "passengers.csv"), people.ToString());
            await File.WriteAllTextAsync(Path.Combine(files, "bookings.csv"), bookings.ToString());
            Assert.Equal(0, await ContrailCli.RunAsync(["import", "--data-dir", dataDir, "--flights", Path.Combine(files, "flights.json"),
                "--passengers", Path.Combine(files, "passengers.csv"), "--bookings", Path.Combine(files, "bookings.csv")]));
            TempDirectory.Delete(files);

            var cancellation = Scenarios.Event(OperationalEventFormat.Cancelled, "CR100", DateTimeOffset.UtcNow);
            var eventId = (string)cancellation["event_id"]!;
            await using (var server = await ContrailProcess.StartAsync(dataDir, apiKey))
            {
                using var http = Client(server.Url, apiKey);
                Assert.Equal(HttpStatusCode.Accepted, (await http.PostJsonAsync("/events", cancellation.ToJsonString())).StatusCode);
                // Killed while notifying: some passengers notified, not all.
                await Eventually.Until(async () => await Sent(http, eventId), n => n >= 20, TimeSpan.FromSeconds(60), "the first notifications");
                server.Kill();
            }

            await using var restarted = await ContrailProcess.StartAsync(dataDir, apiKey);
            using var client = Client(restarted.Url, apiKey);
            await Eventually.Until(async () => await Sent(client, eventId), n => n == 2 * passengers, TimeSpan.FromSeconds(120), "every passenger notified after the restart");
            var notifications = await All(client, $"/notifications?event_id={eventId}");
            Assert.Equal(2 * passengers, notifications.Count);
            Assert.Equal(2 * passengers, notifications.Select(n => $"{n["passenger_id"]}/{n["channel"]}").Distinct().Count());
            Assert.All(notifications, n => Assert.Equal("sent", (string?)n["status"]));
            var rebooked = await All(client, "/flights/CR100/bookings");
            Assert.All(rebooked, b => Assert.Equal("NEEDS_REBOOKING", (string?)b["booking_status"]));
            var changes = (await All(client, "/events?detail_type=booking.status_changed")).Select(e => (string)e["event"]!["detail"]!["booking_id"]!).ToList();
            Assert.Equal(passengers, changes.Count);
            Assert.Equal(passengers, changes.Distinct().Count());
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }

    private static HttpClient Client(string url, string apiKey)
    {
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    private static async Task<int> Sent(HttpClient http, string eventId) =>
        (await All(http, $"/notifications?event_id={eventId}&status=sent")).Count;

    private static async Task<List<JsonNode>> All(HttpClient http, string path)
    {
        var items = new List<JsonNode>();
        string? cursor = null;
        do
        {
            var page = await http.GetJsonAsync($"{path}{(path.Contains('?') ? '&' : '?')}limit=1000{(cursor is null ? "" : "&cursor=" + cursor)}");
            items.AddRange(page!["items"]!.AsArray().Select(i => i!));
            cursor = (string?)page["next_cursor"];
        }
        while (cursor is not null);
        return items;
    }
}
