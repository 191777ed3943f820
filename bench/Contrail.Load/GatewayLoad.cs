using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Contrail.Tests.Infrastructure;

namespace Contrail.Load;

/// <summary>
/// The event gateway end to end: a real Contrail process delivering to a real GraphQL server on loopback
/// (<see cref="GraphQLTarget"/>, in this process), which records every request's arrival.
/// <list type="bullet">
/// <item><c>gateway-ingest</c>: producers post at a fixed rate (open loop: each request has a scheduled
/// time and its latency is counted from that time, so a stalled server cannot hide its queueing), while
/// the destination is held to its rate limit.</item>
/// <item><c>gateway-delivery</c>: a backlog of events is delivered at the destination's limit while the
/// target answers 503 for a stretch in the middle; reports exactly-once, the most calls in any second,
/// and how long the backlog took to drain once the target was back.</item>
/// </list>
/// </summary>
internal static class GatewayLoad
{
    public static async Task<int> IngestAsync(int rate, TimeSpan duration, TimeSpan warmup, int limit, int connections)
    {
        await using var target = await GraphQLTarget.StartAsync();
        await using var server = await ServerProcess.StartAsync(Settings(target, limit, concurrency: 5));
        using var client = Client(server, connections);
        Console.WriteLine($"gateway-ingest: {rate:N0} events/s open loop, warm-up {warmup.TotalSeconds}s, measure {duration.TotalSeconds}s, " +
                          $"{connections} connections; destination limit {limit}/s; server {server.Url}");

        await OpenLoopAsync(client, rate, warmup, "warm", null);
        var histogram = new Histogram();
        var (sent, accepted, errors, elapsed) = await OpenLoopAsync(client, rate, duration, "run", histogram);

        var calls = target.Requests;
        Console.WriteLine($"  offered {sent:N0} events over {duration.TotalSeconds:F0}s = {sent / duration.TotalSeconds:N0}/s; accepted (202) {accepted:N0}, other answers {errors:N0}; " +
                          $"the last answer came {elapsed.TotalSeconds:F1}s after the first send: {accepted / elapsed.TotalSeconds:N0} accepted/s achieved");
        Console.WriteLine($"  latency from scheduled send: p50 {histogram.PercentileMs(50):F2} ms, p99 {histogram.PercentileMs(99):F2} ms, " +
                          $"p99.9 {histogram.PercentileMs(99.9):F2} ms, max {histogram.PercentileMs(100):F1} ms");
        Console.WriteLine($"  destination meanwhile: {calls.Count:N0} calls, {calls.Count(c => c.Accepted):N0} accepted, most in any 1 s window {target.MostInAnyWindow(TimeSpan.FromSeconds(1))} (limit {limit})");
        return errors == 0 && histogram.PercentileMs(99) < 500 && target.MostInAnyWindow(TimeSpan.FromSeconds(1)) <= limit ? 0 : 1;
    }

    public static async Task<int> DeliveryAsync(int events, int limit, int concurrency, TimeSpan outageAfter, TimeSpan outage)
    {
        await using var target = await GraphQLTarget.StartAsync();
        var down = 0;
        long outageStartedAt = 0, outageEndedAt = 0;
        target.Script = _ => Task.FromResult(Volatile.Read(ref down) == 1 ? TargetAnswer.Error(503, "maintenance") : null);
        await using var server = await ServerProcess.StartAsync(Settings(target, limit, concurrency));
        using var client = Client(server, 64);
        Console.WriteLine($"gateway-delivery: {events:N0} events, destination limit {limit}/s, concurrency {concurrency}, " +
                          $"target down (503) from {outageAfter.TotalSeconds}s for {outage.TotalSeconds}s; server {server.Url}");

        var clock = Stopwatch.StartNew();
        var outageTask = Task.Run(async () =>
        {
            await Task.Delay(outageAfter);
            Volatile.Write(ref outageStartedAt, Stopwatch.GetTimestamp());
            Volatile.Write(ref down, 1);
            await Task.Delay(outage);
            Volatile.Write(ref down, 0);
            Volatile.Write(ref outageEndedAt, Stopwatch.GetTimestamp());
        });

        // Feed the backlog as fast as the gateway takes it.
        var next = -1;
        var rejected = 0;
        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            for (var i = Interlocked.Increment(ref next); i < events; i = Interlocked.Increment(ref next))
            {
                using var response = await client.PostAsync("/gateway/events", new StringContent(Event($"bench-{i:D6}"), Encoding.UTF8, "application/json"));
                if (response.StatusCode != HttpStatusCode.Accepted) Interlocked.Increment(ref rejected);
            }
        })));
        var fedIn = clock.Elapsed;

        var deadline = TimeSpan.FromMinutes(10);
        while (target.Requests.Count(r => r.Accepted) < events && clock.Elapsed < deadline) await Task.Delay(200);
        await outageTask;

        var calls = target.Requests;
        var accepted = calls.Where(c => c.Accepted).GroupBy(c => c.InputId).ToList();
        var duplicates = accepted.Count(g => g.Count() > 1);
        var outageEnd = Volatile.Read(ref outageEndedAt);
        var firstCall = calls.Min(c => c.ArrivedAt);
        var lastAccepted = calls.Where(c => c.Accepted).Max(c => c.ArrivedAt);
        var outageStart = Volatile.Read(ref outageStartedAt);
        var beforeOutage = calls.Count(c => c.Accepted && c.ArrivedAt < outageStart);
        var beforeSeconds = Stopwatch.GetElapsedTime(firstCall, outageStart).TotalSeconds;
        var duringOutage = calls.Count(c => c.Status == 503);
        var afterOutage = calls.Count(c => c.Accepted && c.ArrivedAt > outageEnd);
        var drain = Stopwatch.GetElapsedTime(outageEnd, lastAccepted);
        var firstAfter = calls.Where(c => c.Accepted && c.ArrivedAt > outageEnd).Select(c => c.ArrivedAt).DefaultIfEmpty(outageEnd).Min();

        Console.WriteLine($"  fed {events:N0} events in {fedIn.TotalSeconds:F1}s ({events / fedIn.TotalSeconds:N0}/s), not accepted {rejected}");
        Console.WriteLine($"  delivered {accepted.Count:N0} distinct ids of {events:N0}; ids delivered more than once {duplicates}; missing {events - accepted.Count}");
        Console.WriteLine($"  calls {calls.Count:N0}: {calls.Count(c => c.Accepted):N0} accepted, {duringOutage:N0} answered 503; most in any 1 s window {target.MostInAnyWindow(TimeSpan.FromSeconds(1))} (limit {limit})");
        Console.WriteLine($"  before the outage: {beforeOutage:N0} delivered in {beforeSeconds:F1}s ({beforeOutage / beforeSeconds:N0}/s); during it {duringOutage:N0} calls");
        Console.WriteLine($"  after the outage: first delivery {Stopwatch.GetElapsedTime(outageEnd, firstAfter).TotalSeconds:F1}s after the target came back; " +
                          $"{afterOutage:N0} delivered; drained {drain.TotalSeconds:F1}s after it came back ({afterOutage / Math.Max(drain.TotalSeconds, 0.001):N0}/s)");
        Console.WriteLine($"  total: first call to last delivery {Stopwatch.GetElapsedTime(firstCall, lastAccepted).TotalSeconds:F1}s");
        return duplicates == 0 && accepted.Count == events && target.MostInAnyWindow(TimeSpan.FromSeconds(1)) <= limit ? 0 : 1;
    }

    private static Dictionary<string, string> Settings(GraphQLTarget target, int limit, int concurrency) => new()
    {
        ["CONTRAIL__GATEWAY__ENDPOINT"] = target.Url,
        ["CONTRAIL__GATEWAY__TOKEN"] = "load-token",
        ["CONTRAIL__GATEWAY__BRAND"] = "load",
        ["CONTRAIL__GATEWAY__RATELIMITPERSECOND"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["CONTRAIL__GATEWAY__CONCURRENCY"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static HttpClient Client(ServerProcess server, int connections)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseProxy = false })
        {
            BaseAddress = new Uri(server.Url),
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Add("X-Api-Key", server.ApiKey);
        return client;
    }

    private static string Event(string id) =>
        new JsonObject { ["id"] = id, ["name"] = "load event", ["body"] = "a body of about this size", ["timestamp"] = DateTimeOffset.UtcNow.ToString("O") }.ToJsonString();

    /// <summary>
    /// Sends <paramref name="rate"/> events a second for <paramref name="duration"/>, each at its scheduled
    /// time (bursts of a millisecond's worth), without waiting for earlier answers. Elapsed is until the last
    /// answer, so accepted / elapsed is the rate the server achieved.
    /// </summary>
    private static async Task<(long Sent, long Accepted, long Errors, TimeSpan Elapsed)> OpenLoopAsync(
        HttpClient client, int rate, TimeSpan duration, string prefix, Histogram? histogram)
    {
        long accepted = 0, errors = 0;
        var inFlight = new ConcurrentDictionary<Task, bool>();
        var total = (long)(rate * duration.TotalSeconds);
        var clock = Stopwatch.StartNew();
        var sent = 0L;
        while (sent < total)
        {
            var due = Math.Min(total, (long)(clock.Elapsed.TotalSeconds * rate));
            for (; sent < due; sent++)
            {
                var scheduled = TimeSpan.FromSeconds((double)sent / rate);
                var id = $"{prefix}-{sent:D7}";
                var task = Task.Run(async () =>
                {
                    try
                    {
                        using var response = await client.PostAsync("/gateway/events", new StringContent(Event(id), Encoding.UTF8, "application/json"));
                        var latency = clock.Elapsed - scheduled;
                        if (response.StatusCode == HttpStatusCode.Accepted)
                        {
                            Interlocked.Increment(ref accepted);
                            histogram?.Add((long)(latency.TotalMilliseconds * 1000));
                        }
                        else Interlocked.Increment(ref errors);
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref errors);
                    }
                });
                inFlight[task] = true;
                _ = task.ContinueWith(t => inFlight.TryRemove(t, out _), TaskScheduler.Default);
            }
            await Task.Delay(1);
        }
        await Task.WhenAll(inFlight.Keys);
        return (sent, accepted, errors, clock.Elapsed);
    }
}
