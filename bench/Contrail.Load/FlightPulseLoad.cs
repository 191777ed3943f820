using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Contrail.Applications.FlightPulse;

namespace Contrail.Load;

/// <summary>
/// FlightPulse's two load figures, on a real server process with embedded SQLite and template messages:
/// <list type="bullet">
/// <item><c>flightpulse-cancel</c>: one flight with 300 passengers is cancelled; time from the event's acceptance
/// to the last passenger's notification sent.</item>
/// <item><c>flightpulse-irops</c>: 1,000 flights with 150 passengers each are imported (<c>contrail import</c>,
/// timed), 200 flights are cancelled within one second, and the tool waits until every passenger is notified;
/// then, on the stopped server's store, checks one notification per passenger, every booking NEEDS_REBOOKING,
/// and reports notifications/s and the regulatory clock's percentiles.</item>
/// </list>
/// Every passenger wants email only, so "notified exactly once" is one sent notification each.
/// </summary>
internal static class FlightPulseLoad
{
    /// <param name="target">The figure to reach: all notified within this time of the first acceptance.</param>
    public static async Task<int> RunAsync(int flights, int passengersPerFlight, int cancelled, TimeSpan target)
    {
        // Wait well past the target, so a miss is measured (by how much), not just declared.
        var limit = TimeSpan.FromSeconds(Math.Max(60, target.TotalSeconds * 4));
        var dataDir = Path.Combine(Path.GetTempPath(), "contrail-fp-load-" + Guid.NewGuid().ToString("N"));
        var files = Path.Combine(dataDir + "-files");
        Directory.CreateDirectory(files);
        try
        {
            WriteFiles(files, flights, passengersPerFlight);
            var import = Stopwatch.StartNew();
            var code = await Contrail("import", "--data-dir", dataDir, "--flights", Path.Combine(files, "flights.json"),
                "--passengers", Path.Combine(files, "passengers.json"), "--bookings", Path.Combine(files, "bookings.json"));
            import.Stop();
            var bookings = flights * passengersPerFlight;
            Console.WriteLine($"flightpulse: {flights:N0} flights x {passengersPerFlight} passengers; import of {flights:N0} flights, {bookings:N0} passengers and {bookings:N0} bookings: {import.Elapsed.TotalSeconds:F1}s (exit {code})");
            if (code != 0) return 1;

            var expected = cancelled * passengersPerFlight;
            string[] eventIds;
            DateTimeOffset firstAccepted, lastAccepted;
            await using (var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["CONTRAIL__LOGGING__LOGLEVEL__DEFAULT"] = "Warning" }, dataDir))
            {
                using var http = new HttpClient { BaseAddress = new Uri(server.Url), Timeout = TimeSpan.FromSeconds(60) };
                http.DefaultRequestHeaders.Add("X-Api-Key", server.ApiKey);
                // Warm-up without changing state: reads, and events refused for an unknown flight (they take the
                // whole validation path, store nothing), so the measured sends do not pay for the first JIT.
                for (var i = 0; i < 20; i++)
                {
                    using var read = await http.GetAsync($"/flights/{FlightId(i)}/bookings?limit=10");
                    using var warmupRefused = await http.PostAsync("/events", new StringContent(
                        Scenarios.Event(OperationalEventFormat.Cancelled, "WARMUP", DateTimeOffset.UtcNow).ToJsonString(), Encoding.UTF8, "application/json"));
                }
                var now = DateTimeOffset.UtcNow;
                var events = Enumerable.Range(0, cancelled).Select(i => Scenarios.Event(OperationalEventFormat.Cancelled, FlightId(i), now)).ToList();
                // All cancellations within one second: concurrent single requests, as separate producers would send them.
                var send = Stopwatch.StartNew();
                firstAccepted = DateTimeOffset.UtcNow;
                var answers = await Task.WhenAll(events.Select(async e =>
                {
                    using var response = await http.PostAsync("/events", new StringContent(e.ToJsonString(), Encoding.UTF8, "application/json"));
                    return response.StatusCode;
                }));
                lastAccepted = DateTimeOffset.UtcNow;
                send.Stop();
                var refused = answers.Count(a => a != HttpStatusCode.Accepted);
                Console.WriteLine($"  sent {cancelled} cancellations in {send.Elapsed.TotalMilliseconds:F0} ms ({refused} not accepted)");
                if (refused > 0) return 1;
                eventIds = events.Select(e => (string)e["event_id"]!).ToArray();

                var wait = Stopwatch.StartNew();
                long sent = 0;
                while (wait.Elapsed < limit)
                {
                    sent = (long)(await JsonNode.ParseAsync(await http.GetStreamAsync("/flightpulse/metrics")))!["NotificationsSent"]!;
                    if (sent >= expected) break;
                    await Task.Delay(100);
                }
                Console.WriteLine($"  NotificationsSent {sent:N0} of {expected:N0} after {wait.Elapsed.TotalSeconds:F1}s of waiting");
                if (sent < expected)
                {
                    Console.WriteLine($"  MISSED: not every passenger was notified within {limit.TotalSeconds:F0}s");
                    return 1;
                }
            }

            // The server is stopped: read its store directly for the exact counts and the clocks.
            await using var store = Storage.Sqlite.SqliteStore.Open(new Storage.Sqlite.SqliteStoreOptions { DataDirectory = dataDir },
                TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            var (records, clocks, lastSent, needsRebooking, disruptions) = store.Read(r =>
            {
                var rows = new List<JsonObject>();
                foreach (var id in eventIds)
                    rows.AddRange(r.RecordList("notifications", id + "/", expected + 1).Where(n => n.Key.StartsWith(id + "/", StringComparison.Ordinal)).Select(n => n.Value));
                var sentRows = rows.Where(n => (string?)n["status"] == "sent").ToList();
                return (rows.Count, sentRows.Select(n => (double)n["clock_seconds"]!).Order().ToList(),
                    sentRows.Max(n => DateTimeOffset.Parse((string)n["sent_at"]!)),
                    r.RecordCountByIndex("bookings", "booking_status", "NEEDS_REBOOKING"),
                    eventIds.Select(id => r.RecordGet("disruptions", id)!.Value).ToList());
            });
            // From the first event's acceptance (its commit, as the server recorded it) to the last notification sent.
            var accepted = disruptions.Min(d => DateTimeOffset.Parse((string)d["accepted_at"]!));
            var elapsed = lastSent - accepted;
            var perPassenger = records == expected && clocks.Count == expected;
            Console.WriteLine($"  notification records {records:N0} (sent {clocks.Count:N0}) for {expected:N0} passengers => {(perPassenger ? "exactly one each" : "NOT one each")}");
            Console.WriteLine($"  bookings NEEDS_REBOOKING: {needsRebooking:N0} of {expected:N0}; disruptions completed: {disruptions.Count(d => (string?)d["status"] == "completed")} of {cancelled}");
            Console.WriteLine($"  first acceptance to last notification sent: {elapsed.TotalSeconds:F2}s (requests sent over {(lastAccepted - firstAccepted).TotalMilliseconds:F0} ms; first request to last notification {(lastSent - firstAccepted).TotalSeconds:F2}s) => {expected / elapsed.TotalSeconds:N0} notifications/s");
            Console.WriteLine($"  regulatory clock (event timestamp to sent): p50 {Percentile(clocks, 50):F2}s, p99 {Percentile(clocks, 99):F2}s, max {clocks[^1]:F2}s");
            Console.WriteLine(elapsed <= target
                ? $"  target {target.TotalSeconds:F0}s: MET ({(target - elapsed).TotalSeconds:F2}s to spare)"
                : $"  target {target.TotalSeconds:F0}s: MISSED by {(elapsed - target).TotalSeconds:F2}s");
            return perPassenger && needsRebooking == expected && elapsed <= target ? 0 : 1;
        }
        finally
        {
            try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { }
            try { Directory.Delete(files, recursive: true); } catch (IOException) { }
        }
    }

    private static string FlightId(int i) => $"LD{i:D4}";

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>The reference data as JSON arrays, written streaming.</summary>
    private static void WriteFiles(string folder, int flights, int passengersPerFlight)
    {
        void Write(string name, Action<Utf8JsonWriter> body)
        {
            using var stream = File.Create(Path.Combine(folder, name));
            using var writer = new Utf8JsonWriter(stream);
            writer.WriteStartArray();
            body(writer);
            writer.WriteEndArray();
        }
        var departure = new DateTime(2025, 3, 1, 6, 0, 0, DateTimeKind.Utc);
        Write("flights.json", w =>
        {
            for (var f = 0; f < flights; f++)
            {
                w.WriteStartObject();
                w.WriteString("flight_id", FlightId(f));
                w.WriteString("origin", "DAL");
                w.WriteString("destination", "LAX");
                w.WriteString("scheduled_departure", departure.AddMinutes(f).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"));
                w.WriteString("scheduled_arrival", departure.AddMinutes(f + 150).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"));
                w.WriteString("status", "SCHEDULED");
                w.WriteString("gate", $"A{f % 40 + 1}");
                w.WriteEndObject();
            }
        });
        string[] tiers = ["A-LIST PREFERRED", "A-LIST", "MEMBER", "MEMBER", "MEMBER"];
        Write("passengers.json", w =>
        {
            for (var f = 0; f < flights; f++)
                for (var p = 0; p < passengersPerFlight; p++)
                {
                    var id = $"LP{f:D4}{p:D3}";
                    w.WriteStartObject();
                    w.WriteString("passenger_id", id);
                    w.WriteString("first_name", "Pat" + p);
                    w.WriteString("last_name", "Load" + f);
                    w.WriteString("email", id.ToLowerInvariant() + "@example.com");
                    w.WriteString("phone", $"+1555{f:D4}{p:D3}");
                    w.WriteString("tier", tiers[(f + p) % tiers.Length]);
                    w.WriteStartObject("notification_preferences");
                    w.WriteBoolean("email", true);
                    w.WriteBoolean("sms", false);
                    w.WriteBoolean("push", false);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }
        });
        Write("bookings.json", w =>
        {
            for (var f = 0; f < flights; f++)
                for (var p = 0; p < passengersPerFlight; p++)
                {
                    w.WriteStartObject();
                    w.WriteString("booking_id", $"LB{f:D4}{p:D3}");
                    w.WriteString("passenger_id", $"LP{f:D4}{p:D3}");
                    w.WriteString("flight_id", FlightId(f));
                    w.WriteString("booking_status", "CONFIRMED");
                    w.WriteString("seat", $"{p / 6 + 1}{(char)('A' + p % 6)}");
                    w.WriteEndObject();
                }
        });
    }

    /// <summary>The real executable, as an operator runs it.</summary>
    private static async Task<int> Contrail(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["exec", Path.Combine(AppContext.BaseDirectory, "Contrail.dll"), .. args]) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        foreach (var line in (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) Console.WriteLine("  " + line);
        if ((await errors).Trim() is { Length: > 0 } err) Console.Error.WriteLine(err);
        return process.ExitCode;
    }
}
