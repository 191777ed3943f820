using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Contrail.Load;

/// <summary>
/// HTTP ingest: many connections POST flight.updated events (single objects or batches of 100) for a fixed
/// time. Every event is committed durably and routed to two queues (persist and worker). Reports accepted
/// events/s, request latency percentiles, and whether processing kept up (backlog when sending stopped and
/// how long it took to drain).
/// </summary>
internal static class IngestLoad
{
    /// <summary>
    /// The same measurement with wrk as the load generator (far cheaper per request than HttpClient, which
    /// matters when client and server share two cores). Needs `wrk` on the PATH (Debian package wrk).
    /// </summary>
    public static async Task<int> RunWithWrkAsync(int batchSize, int connections, TimeSpan duration, TimeSpan warmup, bool routed)
    {
        await using var server = await ServerProcess.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(server.Url) };
        client.DefaultRequestHeaders.Add("X-Api-Key", server.ApiKey);
        var script = Path.Combine(AppContext.BaseDirectory, "wrk", "ingest.lua");
        Console.WriteLine($"ingest with wrk: {(routed ? "routed" : "unrouted")} {(batchSize == 1 ? "single events" : $"batches of {batchSize}")}, {connections} connections, 2 threads, warm-up {warmup.TotalSeconds}s, measure {duration.TotalSeconds}s");
        await Wrk(server, script, batchSize, connections, warmup, routed);
        await Drain(client, TimeSpan.FromMinutes(5));
        var (userBefore, systemBefore) = (server.UserTime, server.SystemTime);
        var output = await Wrk(server, script, batchSize, connections, duration, routed);
        var backlog = await Backlog(client);
        var drainWatch = Stopwatch.StartNew();
        await Drain(client, TimeSpan.FromMinutes(5));
        var drained = drainWatch.Elapsed;
        var cpu = server.UserTime - userBefore + (server.SystemTime - systemBefore);
        Console.WriteLine(string.Join('\n', output.Split('\n').Select(l => "  wrk| " + l)));
        var requestsPerSecond = double.Parse(System.Text.RegularExpressions.Regex.Match(output, @"Requests/sec:\s+([\d.]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var events = requestsPerSecond * batchSize;
        Console.WriteLine($"  accepted: {events:N0} events/s ({requestsPerSecond:N0} requests/s)");
        Console.WriteLine($"  server CPU: {cpu.TotalMilliseconds * 1000 / (events * duration.TotalSeconds):F0} µs per event");
        Console.WriteLine($"  processing: backlog {backlog:N0} messages when sending stopped ({backlog / Math.Max(1, 2.0 * events):F2}s of input), drained in {drained.TotalSeconds:F1}s => {(backlog < events ? "kept up" : "did not keep up")}");
        return 0;
    }

    private static async Task<string> Wrk(ServerProcess server, string script, int batchSize, int connections, TimeSpan duration, bool routed)
    {
        var start = new System.Diagnostics.ProcessStartInfo("wrk") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-t2", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--latency", "-s", script, server.Url })
            start.ArgumentList.Add(arg);
        start.Environment["CONTRAIL_API_KEY"] = server.ApiKey;
        start.Environment["BATCH"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["ROUTED"] = routed ? "1" : "0";
        using var wrk = System.Diagnostics.Process.Start(start)!;
        var output = await wrk.StandardOutput.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        return output.TrimEnd();
    }

    public static async Task<int> RunAsync(int batchSize, int connections, TimeSpan duration, TimeSpan warmup, bool routed)
    {
        await using var server = await ServerProcess.StartAsync();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseProxy = false })
        {
            BaseAddress = new Uri(server.Url),
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Add("X-Api-Key", server.ApiKey);

        Console.WriteLine($"ingest: {(routed ? "routed" : "unrouted")} {(batchSize == 1 ? "single events" : $"batches of {batchSize}")}, {connections} connections, warm-up {warmup.TotalSeconds}s, measure {duration.TotalSeconds}s, server {server.Url}");
        await Phase(client, batchSize, connections, warmup, null, routed);
        await Drain(client, TimeSpan.FromMinutes(5));

        var histogram = new Histogram();
        var (userBefore, systemBefore) = (server.UserTime, server.SystemTime);
        var (events, errors, elapsed) = await Phase(client, batchSize, connections, duration, histogram, routed);
        var backlog = await Backlog(client);
        var drainWatch = Stopwatch.StartNew();
        await Drain(client, TimeSpan.FromMinutes(5));
        var drained = drainWatch.Elapsed;
        var (user, system) = (server.UserTime - userBefore, server.SystemTime - systemBefore);
        var cpu = user + system;

        Console.WriteLine($"  accepted: {events:N0} events in {elapsed.TotalSeconds:F1}s = {events / elapsed.TotalSeconds:N0} events/s ({events / batchSize / elapsed.TotalSeconds:N0} requests/s), errors {errors}");
        Console.WriteLine($"  latency per request: p50 {histogram.PercentileMs(50):F2} ms, p99 {histogram.PercentileMs(99):F2} ms, p99.9 {histogram.PercentileMs(99.9):F2} ms, max {histogram.PercentileMs(100):F1} ms");
        Console.WriteLine($"  server CPU: {cpu.TotalSeconds:F1}s (user {user.TotalSeconds:F1}s, system {system.TotalSeconds:F1}s) for ingest and processing = {cpu.TotalMilliseconds * 1000 / events:F0} µs per event (a core's worth of CPU handles {events / cpu.TotalSeconds:N0} events/s)");
        Console.WriteLine($"  processing: backlog {backlog:N0} messages when sending stopped ({backlog / (2.0 * events / elapsed.TotalSeconds):F2}s of input), drained in {drained.TotalSeconds:F1}s => {(backlog < events / elapsed.TotalSeconds ? "kept up" : "did not keep up")}");
        return errors == 0 ? 0 : 1;
    }

    private static async Task<(long Events, long Errors, TimeSpan Elapsed)> Phase(HttpClient client, int batchSize, int connections, TimeSpan duration, Histogram? histogram, bool routed)
    {
        long events = 0, errors = 0;
        var stopwatch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            var requestWatch = new Stopwatch();
            while (stopwatch.Elapsed < duration)
            {
                var body = Body(random, batchSize, routed);
                requestWatch.Restart();
                using var response = await client.PostAsync("/events", new StringContent(body, Encoding.UTF8, "application/json"));
                var elapsed = requestWatch.Elapsed;
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    Interlocked.Add(ref events, batchSize);
                    histogram?.Add((long)(elapsed.TotalMilliseconds * 1000));
                }
                else
                {
                    if (Interlocked.Increment(ref errors) <= 3)
                        Console.Error.WriteLine($"  error: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable) await Task.Delay(100);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return (events, errors, stopwatch.Elapsed);
    }

    /// <summary>flight.updated events (routed to both flight queues), or, unrouted, a type no rule matches.</summary>
    private static string Body(Random random, int batchSize, bool routed)
    {
        var type = routed ? "flight.updated" : "flight.observed";
        string One(Random r) =>
            $"{{\"type\":\"{type}\",\"data\":{{\"flightId\":\"LD{r.Next(1000):D4}\",\"status\":\"{(r.Next(2) == 0 ? "BOARDING" : "DELAYED")}\",\"gate\":\"G{r.Next(60)}\"}}}}";
        if (batchSize == 1) return One(random);
        var builder = new StringBuilder("[");
        for (var i = 0; i < batchSize; i++)
        {
            if (i > 0) builder.Append(',');
            builder.Append(One(random));
        }
        return builder.Append(']').ToString();
    }

    private static async Task<long> Backlog(HttpClient client)
    {
        long total = 0;
        foreach (var queue in new[] { "flight-events-persist", "flight-events-downstream-queue" })
        {
            var view = JsonNode.Parse(await client.GetStringAsync($"/queues/{queue}"))!;
            total += (long)view["depth"]! + (long)view["in_flight"]!;
        }
        return total;
    }

    private static async Task Drain(HttpClient client, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (await Backlog(client) > 0 && deadline.Elapsed < timeout) await Task.Delay(100);
    }
}
