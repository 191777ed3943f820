using System.Collections.Concurrent;

namespace Contrail.Tests.Crash;

/// <summary>
/// The real process killed with SIGKILL while events are being archived: after a restart every acknowledged
/// event has its archive file, and the archive index and the files agree (no file without an entry, no
/// entry without a file once the writer has caught up).
/// </summary>
public sealed class ArchiveCrashTests
{
    [Fact]
    public async Task Sigkill_while_archiving_leaves_every_acknowledged_event_with_its_file()
    {
        var dataDir = TempDirectory.Create("archive-crash");
        var apiKey = "crash-key-" + Guid.NewGuid().ToString("N");
        try
        {
            var acknowledged = new ConcurrentDictionary<string, bool>();
            await using (var server = await ContrailProcess.StartAsync(dataDir, apiKey))
            {
                using var client = Client(server.Url, apiKey);
                await client.PutOkAsync("/archives/all", "{}");
                using var stop = new CancellationTokenSource();
                var senders = Enumerable.Range(0, 4).Select(worker => SendAsync(client, worker, acknowledged, stop.Token)).ToArray();
                await Eventually.Until(() => acknowledged.Count >= 300, TimeSpan.FromSeconds(60), "300 acknowledged events before the kill");
                server.Kill();
                await stop.CancelAsync();
                await Task.WhenAll(senders);
            }

            await using var restarted = await ContrailProcess.StartAsync(dataDir, apiKey);
            using var http = Client(restarted.Url, apiKey);
            var folder = Path.Combine(dataDir, "archive", "all");
            var archive = await http.GetJsonAsync("/archives/all");
            var indexed = (int)archive!["event_count"]!;
            Assert.True(indexed >= acknowledged.Count, $"{indexed} indexed, {acknowledged.Count} acknowledged");
            var files = await Eventually.Until(
                () => Task.FromResult(Directory.GetFiles(folder, "*.json", SearchOption.AllDirectories).Select(Path.GetFileNameWithoutExtension).ToHashSet()),
                f => f.Count == indexed, TimeSpan.FromSeconds(30), "a file for every index entry");
            foreach (var id in acknowledged.Keys) Assert.Contains(id, files);
            Assert.Empty(Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories));
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

    private static async Task SendAsync(HttpClient client, int worker, ConcurrentDictionary<string, bool> acknowledged, CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var id = $"arc-{worker}-{n:D5}";
            try
            {
                using var response = await client.PostJsonAsync("/events", $$$"""{"id":"{{{id}}}","source":"crash-test","detail-type":"archived","detail":{"n":{{{n}}}}}""", stop);
                if (response.StatusCode == HttpStatusCode.Accepted) acknowledged[id] = true;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException)
            {
                // The server died mid-request: never acknowledged.
            }
        }
    }
}
