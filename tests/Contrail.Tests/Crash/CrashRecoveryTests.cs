using System.Collections.Concurrent;
using System.Globalization;

namespace Contrail.Tests.Crash;

/// <summary>
/// The real server process, killed with SIGKILL in the middle of a stream of events, then restarted on the
/// same data directory: every event that got a 202 is stored and processed, the flight state is what the
/// stored events imply, and no message is stuck or lost.
/// </summary>
public sealed class CrashRecoveryTests
{
    private const int Flights = 12;
    private static readonly string[] Statuses = ["SCHEDULED", "BOARDING", "DELAYED", "DEPARTED"];

    private sealed record SentEvent(string Id, string FlightId, DateTimeOffset Time, Dictionary<string, JsonNode?> Fields);

    [Fact]
    public async Task Sigkill_mid_stream_loses_no_acknowledged_event_and_leaves_consistent_state()
    {
        var dataDir = TempDirectory.Create("crash");
        var apiKey = "crash-key-" + Guid.NewGuid().ToString("N");
        try
        {
            var sent = new ConcurrentDictionary<string, SentEvent>();
            var acknowledged = new ConcurrentDictionary<string, bool>();
            await using (var server = await ContrailProcess.StartAsync(dataDir, apiKey))
            {
                using var client = Client(server.Url, apiKey);
                using var stop = new CancellationTokenSource();
                var senders = Enumerable.Range(0, 8).Select(worker => SendAsync(client, worker, sent, acknowledged, stop.Token)).ToArray();
                await Eventually.Until(() => acknowledged.Count >= 400, TimeSpan.FromSeconds(60), "400 acknowledged events before the kill");
                server.Kill();
                await stop.CancelAsync();
                await Task.WhenAll(senders);
            }
            Assert.True(acknowledged.Count >= 400);

            await using var restarted = await ContrailProcess.StartAsync(dataDir, apiKey);
            using var http = Client(restarted.Url, apiKey);

            // Every acknowledged event is stored; some that never got an answer may be stored too.
            var stored = new List<SentEvent>();
            foreach (var e in sent.Values)
            {
                using var response = await http.GetAsync($"/events/{e.Id}");
                if (response.StatusCode == HttpStatusCode.OK) stored.Add(e);
                else Assert.False(acknowledged.ContainsKey(e.Id), $"acknowledged event {e.Id} was lost");
            }
            Assert.True(stored.Count >= acknowledged.Count);
            TestContext.Current.TestOutputHelper?.WriteLine($"sent {sent.Count}, acknowledged {acknowledged.Count}, stored {stored.Count}");

            // Every stored event is delivered to both rule targets and handled; nothing stays in flight or dead.
            foreach (var e in stored)
                await Eventually.Until(() => http.GetJsonAsync($"/events/{e.Id}"), d => (string?)d!["status"] == "delivered",
                    TimeSpan.FromSeconds(60), $"event {e.Id} delivered");
            foreach (var queue in new[] { "flight-events-persist", "flight-events-downstream-queue" })
            {
                var view = await http.GetJsonAsync($"/queues/{queue}");
                Assert.Equal(0, (int)view!["depth"]! + (int)view["in_flight"]! + (int)view["delayed"]!);
                Assert.Equal(0, (int)view["dlq_depth"]!);
            }

            // The flight state is what the stored events imply, field by field, newest event time first.
            foreach (var flight in stored.GroupBy(e => e.FlightId))
            {
                var actual = await http.GetJsonAsync($"/flights/{flight.Key}");
                Assert.NotNull(actual);
                foreach (var field in new[] { "status", "gate", "delay_minutes" })
                {
                    var newest = flight.Where(e => e.Fields.ContainsKey(field))
                        .OrderBy(e => e.Time).ThenBy(e => e.Id, StringComparer.Ordinal).LastOrDefault();
                    var expected = newest?.Fields[field]?.ToJsonString() ?? "null";
                    Assert.True(expected == (actual[field]?.ToJsonString() ?? "null"),
                        $"{flight.Key}.{field}: expected {expected} from {newest?.Id}, got {actual[field]?.ToJsonString() ?? "null"}");
                }
                var history = await http.GetJsonAsync($"/flights/{flight.Key}/history?limit=1000");
                Assert.Equal(flight.Count(), history!["items"]!.AsArray().Count);
            }
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }

    private static HttpClient Client(string url, string apiKey)
    {
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(20) };
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    /// <summary>Sends single events and small batches with explicit ids and shuffled times until cancelled or refused.</summary>
    private static async Task SendAsync(HttpClient client, int worker, ConcurrentDictionary<string, SentEvent> sent,
        ConcurrentDictionary<string, bool> acknowledged, CancellationToken stop)
    {
        var random = new Random(worker);
        var baseTime = new DateTimeOffset(2025, 1, 15, 8, 0, 0, TimeSpan.Zero);
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var batch = Enumerable.Range(0, random.Next(4) == 0 ? 10 : 1).Select(i =>
            {
                var fields = new Dictionary<string, JsonNode?>();
                if (random.Next(2) == 0) fields["status"] = Statuses[random.Next(Statuses.Length)];
                if (random.Next(2) == 0) fields["gate"] = random.Next(5) == 0 ? null : $"G{random.Next(40)}";
                if (fields.Count == 0 || random.Next(3) == 0) fields["delay_minutes"] = random.Next(0, 300);
                return new SentEvent($"crash-{worker}-{n:D5}-{i:D2}", $"CR{random.Next(Flights):D2}",
                    baseTime.AddMilliseconds(random.Next(0, 3_600_000)), fields);
            }).ToList();
            foreach (var e in batch) sent[e.Id] = e;
            var json = batch.Count == 1 ? Json(batch[0]) : "[" + string.Join(",", batch.Select(Json)) + "]";
            try
            {
                using var response = await client.PostJsonAsync("/events", json, stop);
                if (response.StatusCode != HttpStatusCode.Accepted) continue;
                if (batch.Count == 1) acknowledged[batch[0].Id] = true;
                else
                    foreach (var result in (await response.JsonAsync())["results"]!.AsArray())
                        if ((string?)result!["status"] == "accepted") acknowledged[(string)result["event_id"]!] = true;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException)
            {
                // The server died mid-request: this event's fate is unknown (stored or not); it was never acknowledged.
            }
        }
    }

    private static string Json(SentEvent e)
    {
        var detail = new JsonObject { ["flight_id"] = e.FlightId };
        foreach (var (name, value) in e.Fields) detail[name] = value?.DeepClone();
        return new JsonObject
        {
            ["id"] = e.Id,
            ["source"] = "crash-test",
            ["detail-type"] = "flight.updated",
            ["time"] = e.Time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["detail"] = detail,
        }.ToJsonString();
    }
}
