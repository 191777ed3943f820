using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Contrail.Applications.FlightPulse;

/// <summary>
/// The simulator: the original producer's events (<c>simulator/producer.py</c>) and its five scenarios
/// (<c>simulator/scenarios.py</c>), sent to a running server over HTTP, and, with verification, each scenario's
/// expected outcome with the sample data checked against that server, PASS or FAIL per expectation.
/// </summary>
public static class Scenarios
{
    /// <summary>An operational event as the producer built it (reason_detail and rebooking_priority as it filled them in).</summary>
    public static JsonObject Event(string eventType, string flightId, DateTimeOffset now, int delayMinutes = 30, string reason = "WEATHER",
        string? reasonDetail = null, string? oldGate = null, string? newGate = null, bool terminalChange = false)
    {
        JsonObject payload = eventType switch
        {
            OperationalEventFormat.Delay => new JsonObject
            {
                ["flight_id"] = flightId,
                ["delay_minutes"] = delayMinutes,
                ["reason"] = reason,
                ["reason_detail"] = reasonDetail ?? $"{reason} conditions affecting operations",
                ["new_departure"] = Iso(now.AddMinutes(delayMinutes)),
                ["new_arrival"] = Iso(now.AddMinutes(delayMinutes + 120)),
            },
            OperationalEventFormat.Cancelled => new JsonObject
            {
                ["flight_id"] = flightId,
                ["reason"] = reason,
                ["reason_detail"] = reasonDetail ?? $"{reason} conditions require cancellation",
                ["rebooking_priority"] = "HIGH",
            },
            _ => new JsonObject { ["flight_id"] = flightId, ["old_gate"] = oldGate, ["new_gate"] = newGate, ["terminal_change"] = terminalChange },
        };
        return new JsonObject
        {
            ["event_id"] = Guid.NewGuid().ToString(),
            ["event_type"] = eventType,
            ["timestamp"] = Iso(now),
            ["source"] = eventType == OperationalEventFormat.GateChange ? "airport_ops" : "operations_center",
            ["payload"] = payload,
        };
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    /// <summary>One scenario: its events, and per event what the sample data should produce.</summary>
    public sealed record Scenario(int Number, string Name, IReadOnlyList<Expected> Events);

    /// <summary>What one event should produce: its detail-type, the flight afterwards, and notifications per channel.</summary>
    public sealed record Expected(JsonObject Event, string DetailType, IReadOnlyDictionary<string, JsonNode?> Flight,
        string[] Bookings, int Emails, int Sms, int Push, bool SmsBeforeEmail = false, string[]? NeedsRebooking = null);

    public static Scenario Build(int number, DateTimeOffset now) => number switch
    {
        1 => new(1, "Minor delay (< 30 min)", [new(Event(OperationalEventFormat.Delay, "SW1234", now, 25, "WEATHER", "Light weather conditions affecting operations"),
            "flight.delay.minor", Fields(("status", "DELAYED"), ("delay_minutes", 25), ("delay_reason", "WEATHER")), ["B001", "B002", "B003", "B004"], 4, 3, 3)]),
        2 => new(2, "Major delay (30-120 min)", [new(Event(OperationalEventFormat.Delay, "SW5678", now, 90, "MECHANICAL", "Aircraft maintenance required"),
            "flight.delay.major", Fields(("status", "DELAYED"), ("delay_minutes", 90), ("delay_reason", "MECHANICAL")), ["B005", "B006", "B007", "B008"], 3, 2, 1)]),
        3 => new(3, "Cancellation", [new(Event(OperationalEventFormat.Cancelled, "SW9012", now, reason: "WEATHER", reasonDetail: "Severe weather conditions require cancellation"),
            "flight.cancelled", Fields(("status", "CANCELLED")), ["B009", "B010"], 2, 2, 2, NeedsRebooking: ["B009", "B010"])]),
        4 => new(4, "Gate change with terminal change", [new(Event(OperationalEventFormat.GateChange, "SW3456", now, oldGate: "A5", newGate: "D15", terminalChange: true),
            "flight.gate_change", Fields(("gate", "D15")), ["B011", "B012", "B013"], 3, 3, 2, SmsBeforeEmail: true)]),
        5 => new(5, "Rapid sequence (3 events sent back-to-back)",
        [
            new(Event(OperationalEventFormat.Delay, "SW1234", now, 15, "ATC", "Air traffic control delay"),
                "flight.delay.minor", Fields(("status", "DELAYED"), ("delay_minutes", 15), ("delay_reason", "ATC")), ["B001", "B002", "B003", "B004"], 4, 3, 3),
            new(Event(OperationalEventFormat.GateChange, "SW5678", now, oldGate: "B7", newGate: "B12", terminalChange: false),
                "flight.gate_change", Fields(("gate", "B12")), ["B005", "B006", "B007", "B008"], 3, 2, 1),
            new(Event(OperationalEventFormat.Delay, "SW7890", now, 45, "CREW", "Crew scheduling delay"),
                "flight.delay.major", Fields(("status", "DELAYED"), ("delay_minutes", 45), ("delay_reason", "CREW")), ["B014", "B015"], 2, 1, 1),
        ]),
        _ => throw new ArgumentOutOfRangeException(nameof(number), "scenarios are numbered 1 to 5"),
    };

    private static Dictionary<string, JsonNode?> Fields(params (string Name, JsonNode? Value)[] fields) => fields.ToDictionary(f => f.Name, f => f.Value);

    /// <summary>Sends one event; the answer's status and body.</summary>
    public static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient http, JsonObject operationalEvent, CancellationToken ct)
    {
        using var response = await http.PostAsync("/events", new StringContent(operationalEvent.ToJsonString(), Encoding.UTF8, "application/json"), ct).ConfigureAwait(false);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
    }

    /// <summary>Runs a scenario against <paramref name="http"/>; with <paramref name="verify"/> checks every expectation. 0 when all passed.</summary>
    public static async Task<int> RunAsync(HttpClient http, int number, bool verify, TimeSpan timeout, IAnsiConsole console, CancellationToken ct)
    {
        var scenario = Build(number, DateTimeOffset.UtcNow);
        console.MarkupLine($"[bold]Scenario {scenario.Number}: {Markup.Escape(scenario.Name)}[/]");
        var checks = new List<(string Name, Func<Task<string?>> Check)>();
        // Sent back to back, concurrently, as the original's rapid sequence.
        var sends = await Task.WhenAll(scenario.Events.Select(e => SendAsync(http, e.Event, ct))).ConfigureAwait(false);
        for (var i = 0; i < scenario.Events.Count; i++)
        {
            var (status, body) = sends[i];
            var expected = scenario.Events[i];
            var id = (string)expected.Event["event_id"]!;
            var type = (string)expected.Event["event_type"]!;
            var flightId = (string)expected.Event["payload"]!["flight_id"]!;
            console.MarkupLine($"  sent {type} {flightId} ({id}): {(int)status} {Markup.Escape(body)}");
            checks.Add(($"{type} {flightId}: accepted (202)", () => Task.FromResult(status == HttpStatusCode.Accepted ? null : $"got {(int)status}")));
            if (verify) checks.AddRange(Checks(http, expected, ct));
        }
        if (!verify)
            return sends.All(s => s.Status == HttpStatusCode.Accepted) ? 0 : 1;

        var results = new List<(string Name, string? Failure)>();
        await console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"verifying {checks.Count} expectations", maxValue: checks.Count);
                foreach (var (name, check) in checks)
                {
                    results.Add((name, await Until(check, timeout, ct).ConfigureAwait(false)));
                    task.Increment(1);
                }
            }).ConfigureAwait(false);
        foreach (var (name, failure) in results)
            console.MarkupLine(failure is null ? $"  [green]PASS[/] {Markup.Escape(name)}" : $"  [red]FAIL[/] {Markup.Escape(name)}: {Markup.Escape(failure)}");
        var failed = results.Count(r => r.Failure is not null);
        console.MarkupLine(failed == 0 ? $"[green]{results.Count} passed[/]" : $"[red]{failed} of {results.Count} failed[/]");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Polls a check until it passes or the deadline: the outcome is asynchronous.</summary>
    private static async Task<string?> Until(Func<Task<string?>> check, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            string? failure;
            try { failure = await check().ConfigureAwait(false); }
            catch (HttpRequestException ex) { failure = ex.Message; }
            if (failure is null || DateTime.UtcNow > deadline) return failure;
            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }

    private static IEnumerable<(string, Func<Task<string?>>)> Checks(HttpClient http, Expected expected, CancellationToken ct)
    {
        var id = (string)expected.Event["event_id"]!;
        var flightId = (string)expected.Event["payload"]!["flight_id"]!;
        var label = $"{expected.Event["event_type"]} {flightId}";
        yield return ($"{label}: published as {expected.DetailType}", async () =>
        {
            var stored = await Get(http, $"/events/{id}", ct);
            var detailType = (string?)stored?["event"]?["detail-type"];
            return detailType == expected.DetailType ? null : $"detail-type {detailType ?? "(not stored)"}";
        });
        yield return ($"{label}: bookings {string.Join(", ", expected.Bookings)} on the flight", async () =>
        {
            var page = await Get(http, $"/flights/{flightId}/bookings?limit=1000", ct);
            var ids = page?["items"]?.AsArray().Select(b => (string?)b!["booking_id"]).ToHashSet() ?? [];
            var missing = expected.Bookings.Where(b => !ids.Contains(b)).ToList();
            return missing.Count == 0 ? null : "missing " + string.Join(", ", missing);
        });
        yield return ($"{label}: flight shows {string.Join(", ", expected.Flight.Select(f => $"{f.Key}={f.Value?.ToJsonString()}"))}", async () =>
        {
            var flight = await Get(http, $"/flights/{flightId}", ct);
            var wrong = expected.Flight.Where(f => flight?[f.Key]?.ToJsonString() != f.Value?.ToJsonString()).Select(f => $"{f.Key}={flight?[f.Key]?.ToJsonString() ?? "null"}").ToList();
            return wrong.Count == 0 ? null : string.Join(", ", wrong);
        });
        if (expected.NeedsRebooking is { } rebook)
        {
            yield return ($"{label}: bookings {string.Join(", ", rebook)} NEEDS_REBOOKING", async () =>
            {
                var wrong = new List<string>();
                foreach (var booking in rebook)
                    if ((string?)(await Get(http, $"/bookings/{booking}", ct))?["booking_status"] is var status && status != "NEEDS_REBOOKING") wrong.Add($"{booking} {status}");
                return wrong.Count == 0 ? null : string.Join(", ", wrong);
            });
            yield return ($"{label}: booking.status_changed to NEEDS_REBOOKING for {string.Join(", ", rebook)}", async () =>
            {
                var seen = (await Events(http, "booking.status_changed", 2000, ct))
                    .Where(e => (string?)e["detail"]?["new_status"] == "NEEDS_REBOOKING").Select(e => (string?)e["detail"]?["booking_id"]).ToHashSet();
                var missing = rebook.Where(b => !seen.Contains(b)).ToList();
                return missing.Count == 0 ? null : "none for " + string.Join(", ", missing);
            });
            yield return ($"{label}: rebooking.needed published with the affected bookings", async () =>
            {
                var found = (await Events(http, "rebooking.needed", 500, ct)).FirstOrDefault(e => (string?)e["detail"]?["event_id"] == id);
                if (found is null) return "not published";
                var ids = found["detail"]?["bookings"]?.AsArray().Select(b => (string?)b!["booking_id"]).ToHashSet() ?? [];
                var missing = rebook.Where(b => !ids.Contains(b)).ToList();
                return missing.Count == 0 ? null : "without " + string.Join(", ", missing);
            });
        }
        foreach (var (channel, count) in new[] { (Channels.Email, expected.Emails), (Channels.Sms, expected.Sms), (Channels.Push, expected.Push) })
            yield return ($"{label}: {count} {channel} notifications sent", async () =>
            {
                var sent = (await Notifications(http, id, ct)).Count(n => (string?)n["channel"] == channel && (string?)n["status"] == NotificationStatus.Sent);
                return sent == count ? null : $"{sent} sent";
            });
        yield return ($"{label}: passengers notified in tier order (A-LIST PREFERRED, A-LIST, MEMBER)", async () =>
        {
            var channels = (await Notifications(http, id, ct)).Where(n => (string?)n["status"] == NotificationStatus.Sent)
                .GroupBy(n => (string?)n["channel"]);
            return channels.Select(g => TierOrderViolation(g.ToList()) is { } v ? $"{g.Key}: {v}" : null).FirstOrDefault(v => v is not null);
        });
        yield return ($"{label}: every notification within the 30-minute regulatory clock", async () =>
        {
            var late = (await Notifications(http, id, ct)).Where(n => (double?)n["clock_seconds"] > 1800).ToList();
            return late.Count == 0 ? null : $"{late.Count} late";
        });
        if (expected.SmsBeforeEmail)
            yield return ($"{label}: every SMS went out before any email", async () =>
            {
                var all = await Notifications(http, id, ct);
                var lastSms = all.Where(n => (string?)n["channel"] == Channels.Sms).Max(n => (string?)n["sent_at"]);
                var firstEmail = all.Where(n => (string?)n["channel"] == Channels.Email).Min(n => (string?)n["sent_at"]);
                return lastSms is null || firstEmail is null ? "not all sent yet"
                    : string.CompareOrdinal(lastSms, firstEmail) <= 0 ? null : $"last SMS {lastSms} after first email {firstEmail}";
            });
    }

    /// <summary>
    /// Null when no notification of a tier was sent after one of a lower tier (sent_at has milliseconds, so
    /// equal times are allowed); otherwise the first such pair.
    /// </summary>
    public static string? TierOrderViolation(IReadOnlyList<JsonNode> notifications)
    {
        var byRank = notifications.GroupBy(n => FlightPulseRecords.TierRank((string?)n["tier"])).OrderBy(g => g.Key)
            .Select(g => (Rank: g.Key, First: g.Min(n => (string?)n["sent_at"]), Last: g.Max(n => (string?)n["sent_at"]))).ToList();
        for (var i = 1; i < byRank.Count; i++)
            if (string.CompareOrdinal(byRank[i - 1].Last, byRank[i].First) > 0)
                return $"a notification of tier rank {byRank[i - 1].Rank} went out at {byRank[i - 1].Last}, after one of rank {byRank[i].Rank} at {byRank[i].First}";
        return null;
    }

    private static async Task<JsonNode?> Get(HttpClient http, string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(path, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"GET {path} answered {(int)response.StatusCode}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
    }

    private static async Task<List<JsonNode>> Notifications(HttpClient http, string eventId, CancellationToken ct) =>
        (await Get(http, $"/notifications?event_id={eventId}&limit=1000", ct))?["items"]?.AsArray().OfType<JsonNode>().ToList() ?? [];

    /// <summary>The newest events of a type (up to <paramref name="max"/>), as stored envelopes.</summary>
    private static async Task<List<JsonNode>> Events(HttpClient http, string detailType, int max, CancellationToken ct)
    {
        var found = new List<JsonNode>();
        string? cursor = null;
        do
        {
            var page = await Get(http, $"/events?detail_type={detailType}&limit=1000{(cursor is null ? "" : "&cursor=" + cursor)}", ct).ConfigureAwait(false);
            found.AddRange(page?["items"]?.AsArray().Select(e => e!["event"]!) ?? []);
            cursor = (string?)page?["next_cursor"];
        }
        while (cursor is not null && found.Count < max);
        return found;
    }
}
