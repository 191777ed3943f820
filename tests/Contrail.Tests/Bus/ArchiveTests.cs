using Contrail.Archives;
using Contrail.Hosting;

namespace Contrail.Tests.Bus;

public sealed class ArchiveTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> QuickSweeps = new() { ["Archive:SweepInterval"] = "00:00:00.100" };

    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync(QuickSweeps);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private HttpClient Client => _server.Client;

    private string Folder(string archive) => Path.Combine(_server.DataDir, "archive", archive);

    private List<string> Files(string archive) =>
        Directory.Exists(Folder(archive)) ? Directory.GetFiles(Folder(archive), "*.json", SearchOption.AllDirectories).ToList() : [];

    [Fact]
    public async Task Matching_events_are_kept_as_raw_files_under_the_data_directory_with_an_index()
    {
        using (var created = await Client.PutJsonAsync("/archives/orders",
                   """{"description":"shop events","event_pattern":{"source":["shop"]},"retention_days":30,"path_template":"{detail-type}/{yyyy}/{MM}/{dd}/{id}.json"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal(0, (int)(await created.JsonAsync())["event_count"]!);
        }
        var placed = await Client.PostEventAsync("shop", "order.placed", """{"order":1}""");
        await Client.PostEventAsync("shop", "order.paid", """{"order":1}""");
        await Client.PostEventAsync("elsewhere", "order.placed");

        var archive = await Client.GetJsonAsync("/archives/orders");
        Assert.Equal(2, (int)archive!["event_count"]!);
        Assert.True((int)archive["size_bytes"]! > 100);
        Assert.Equal(30, (int)archive["retention_days"]!);
        var files = await Eventually.Until(() => Task.FromResult(Files("orders")), f => f.Count == 2, because: "both payload files written");
        var placedFile = Assert.Single(files, f => f.EndsWith($"{placed}.json", StringComparison.Ordinal));
        var relative = Path.GetRelativePath(Folder("orders"), placedFile).Replace('\\', '/');
        Assert.Matches(@"^order\.placed/\d{4}/\d{2}/\d{2}/" + placed + @"\.json$", relative);
        var stored = await Client.GetJsonAsync($"/events/{placed}");
        Assert.Equal(stored!["event"]!.ToJsonString(), JsonNode.Parse(await File.ReadAllTextAsync(placedFile))!.ToJsonString());
        Assert.Empty(Directory.GetFiles(Folder("orders"), "*.tmp", SearchOption.AllDirectories));
    }

    private async Task SendHistory(string source, int count, string detail = "{}")
    {
        for (var day = 1; day <= count; day++)
            await Client.PostEventAsync(source, "history", detail, $"\"time\":\"2025-01-{day:00}T12:00:00Z\"");
    }

    [Fact]
    public async Task A_replay_resends_the_archived_events_of_a_time_range_marked_with_its_name()
    {
        await Client.PutOkAsync("/archives/everything", "{}");
        await SendHistory("hist", 3);
        // The rule exists only after the events: they reach its queue through the replay alone.
        await Client.CreateQueueAsync("replayed");
        await Client.PutOkAsync("/rules/hist-rule", """{"event_pattern":{"source":["hist"]},"targets":[{"id":"q","type":"queue","name":"replayed"}]}""");

        using (var started = await Client.PostJsonAsync("/replays", """{"name":"r1","archive":"everything","from":"2025-01-01T00:00:00Z","to":"2025-01-03T00:00:00Z"}"""))
        {
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
            Assert.Equal("RUNNING", (string?)(await started.JsonAsync())["state"]);
        }
        var replay = await Eventually.Until(() => Client.GetJsonAsync("/replays/r1"), r => (string?)r!["state"] == "COMPLETED");
        Assert.Equal(2, (int)replay!["events_replayed"]!);
        Assert.Equal("2025-01-02T12:00:00+00:00", (string?)replay["last_event_time"]);
        var messages = await Client.MessagesAsync("replayed");
        Assert.Equal(2, messages.Count);
        Assert.All(messages, m => Assert.Equal("r1", (string?)m["body"]!["replay-name"]));
        Assert.All(messages, m => Assert.EndsWith(".replay.r1", (string?)m["body"]!["id"]));
        Assert.Equal(["2025-01-01T12:00:00Z", "2025-01-02T12:00:00Z"], messages.Select(m => (string)m["body"]!["time"]!).ToArray());
        // Replayed events are not archived again.
        Assert.Equal(3, (int)(await Client.GetJsonAsync("/archives/everything"))!["event_count"]!);
        var replayedEvent = await Client.GetJsonAsync($"/events/{(string?)messages[0]["event_id"]}");
        Assert.Equal("r1", (string?)replayedEvent!["replay_name"]);
    }

    [Fact]
    public async Task A_replay_can_go_to_chosen_rules_only_and_filter_by_a_pattern()
    {
        await Client.PutOkAsync("/archives/picky", """{"event_pattern":{"source":["picky"]}}""");
        await Client.PostEventAsync("picky", "history", """{"keep":true}""", "\"time\":\"2025-02-01T00:00:00Z\"");
        await Client.PostEventAsync("picky", "history", """{"keep":false}""", "\"time\":\"2025-02-02T00:00:00Z\"");
        foreach (var name in new[] { "chosen", "not-chosen" })
        {
            await Client.CreateQueueAsync(name);
            await Client.PutOkAsync($"/rules/{name}", $$"""{"event_pattern":{"source":["picky"]},"targets":[{"id":"q","type":"queue","name":"{{name}}"}]}""");
        }
        await Client.PostOkAsync("/replays", """
            {"name":"picky-replay","archive":"picky","from":"2025-01-01T00:00:00Z","to":"2025-03-01T00:00:00Z","rules":["chosen"],"event_pattern":{"detail":{"keep":[true]}}}
            """);
        var replay = await Eventually.Until(() => Client.GetJsonAsync("/replays/picky-replay"), r => (string?)r!["state"] == "COMPLETED");
        Assert.Equal(1, (int)replay!["events_replayed"]!);
        Assert.True((bool)Assert.Single(await Client.MessagesAsync("chosen"))["body"]!["detail"]!["keep"]!);
        Assert.Empty(await Client.MessagesAsync("not-chosen"));
    }

    [Fact]
    public async Task A_replay_can_be_cancelled_and_an_unfinished_one_resumes_after_a_restart_without_duplicates()
    {
        var paced = new Dictionary<string, string?>(QuickSweeps) { ["Archive:ReplayBatchSize"] = "1", ["Archive:ReplayPause"] = "00:00:00.300" };
        await using var server = await TestServer.StartAsync(paced);
        var client = server.Client;
        await client.PutOkAsync("/archives/slow", "{}");
        for (var day = 1; day <= 12; day++) await client.PostEventAsync("slow", "history", "{}", $"\"time\":\"2025-01-{day:00}T00:00:00Z\"");
        await client.CreateQueueAsync("slow-replays");
        await client.PutOkAsync("/rules/slow-rule", """{"event_pattern":{"source":["slow"]},"targets":[{"id":"q","type":"queue","name":"slow-replays"}]}""");
        const string range = "\"archive\":\"slow\",\"from\":\"2025-01-01T00:00:00Z\",\"to\":\"2025-02-01T00:00:00Z\"";

        await client.PostOkAsync("/replays", $"{{\"name\":\"cancelled\",{range}}}");
        await Eventually.Until(() => client.GetJsonAsync("/replays/cancelled"), r => (int)r!["events_replayed"]! >= 1);
        var cancelled = await client.PostOkAsync("/replays/cancelled/cancel", "");
        Assert.Equal("CANCELLED", (string?)cancelled!["state"]);
        Assert.True((int)cancelled["events_replayed"]! < 12);
        using (var again = await client.PostAsync("/replays/cancelled/cancel", null)) await again.ProblemAsync(HttpStatusCode.Conflict);

        await client.PostOkAsync("/replays", $"{{\"name\":\"resumed\",{range}}}");
        await Eventually.Until(() => client.GetJsonAsync("/replays/resumed"), r => (int)r!["events_replayed"]! >= 2);
        await using var restarted = await server.RestartAsync(paced);
        var done = await Eventually.Until(() => restarted.Client.GetJsonAsync("/replays/resumed"), r => (string?)r!["state"] == "COMPLETED", TimeSpan.FromSeconds(30));
        Assert.Equal(12, (int)done!["events_replayed"]!);
        var resumed = (await restarted.Client.MessagesAsync("slow-replays")).Where(m => (string?)m["body"]!["replay-name"] == "resumed").ToList();
        Assert.Equal(12, resumed.Count);
        Assert.Equal(12, resumed.Select(m => (string?)m["body"]!["id"]).Distinct().Count());
    }

    [Fact]
    public async Task A_damaged_archive_file_is_skipped_and_the_replay_goes_on()
    {
        await Client.PutOkAsync("/archives/damaged", """{"event_pattern":{"source":["dmg"]},"path_template":"{id}.json"}""");
        await SendHistory("dmg", 3);
        await Eventually.Until(() => Files("damaged").Count == 3);
        await File.WriteAllTextAsync(Files("damaged").Order().First(), "{ not an event");
        await Client.PostOkAsync("/replays", """{"name":"over-damage","archive":"damaged","from":"2025-01-01T00:00:00Z","to":"2025-02-01T00:00:00Z"}""");
        var replay = await Eventually.Until(() => Client.GetJsonAsync("/replays/over-damage"), r => (string?)r!["state"] == "COMPLETED");
        Assert.Equal(2, (int)replay!["events_replayed"]!);
    }

    [Fact]
    public async Task Retention_removes_expired_entries_and_their_files()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(QuickSweeps, s => s.AddSingleton<TimeProvider>(clock));
        var client = server.Client;
        await client.PutOkAsync("/archives/short", """{"retention_days":1}""");
        await client.PutOkAsync("/archives/long", """{"retention_days":0}""");
        await client.PostEventAsync("old", "x");
        var folder = Path.Combine(server.DataDir, "archive", "short");
        await Eventually.Until(() => Directory.Exists(folder) && Directory.GetFiles(folder, "*.json", SearchOption.AllDirectories).Length == 1);

        clock.Advance(TimeSpan.FromDays(2));
        await Eventually.Until(() => client.GetJsonAsync("/archives/short"), a => (int)a!["event_count"]! == 0, because: "the retention sweep");
        // Files go before their rows; the emptied day folders go after.
        Assert.Empty(Directory.GetFiles(folder, "*", SearchOption.AllDirectories));
        await Eventually.Until(() => Directory.GetFileSystemEntries(folder).Length == 0, because: "empty folders removed");
        Assert.Equal(1, (int)(await client.GetJsonAsync("/archives/long"))!["event_count"]!);
    }

    [Fact]
    public async Task Deleting_an_archive_removes_its_files_and_a_folder_no_archive_owns_is_removed_at_start()
    {
        await Client.PutOkAsync("/archives/doomed", "{}");
        await Client.PostEventAsync("any", "x");
        await Eventually.Until(() => Files("doomed").Count == 1);
        using (var deleted = await Client.DeleteAsync("/archives/doomed")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(Directory.Exists(Folder("doomed")));
        using (var gone = await Client.GetAsync("/archives/doomed")) await gone.ProblemAsync(HttpStatusCode.NotFound);

        Directory.CreateDirectory(Path.Combine(Folder("stray"), "2025"));
        await File.WriteAllTextAsync(Path.Combine(Folder("stray"), "2025", "left.json"), "{}");
        _server = await _server.RestartAsync(QuickSweeps);
        Assert.False(Directory.Exists(Folder("stray")));
    }

    [Fact]
    public async Task Archives_and_replays_survive_a_restart()
    {
        await Client.PutOkAsync("/archives/kept", """{"event_pattern":{"source":["kept"]},"path_template":"{id}.json"}""");
        await SendHistory("kept", 2);
        await Client.PostOkAsync("/replays", """{"name":"kept-replay","archive":"kept","from":"2025-01-01T00:00:00Z","to":"2025-12-31T00:00:00Z"}""");
        await Eventually.Until(() => Client.GetJsonAsync("/replays/kept-replay"), r => (string?)r!["state"] == "COMPLETED");
        _server = await _server.RestartAsync(QuickSweeps);
        Assert.Equal(2, (int)(await Client.GetJsonAsync("/archives/kept"))!["event_count"]!);
        Assert.Equal("{id}.json", (string?)(await Client.GetJsonAsync("/archives/kept"))!["path_template"]);
        var replay = await Client.GetJsonAsync("/replays/kept-replay");
        Assert.Equal("COMPLETED", (string?)replay!["state"]);
        Assert.Equal(2, (int)replay["events_replayed"]!);
        Assert.Contains("kept-replay", (await Client.GetJsonAsync("/replays"))!["items"]!.AsArray().Select(r => (string?)r!["name"]));
        await SendHistory("kept", 1);
        Assert.Equal(3, (int)(await Client.GetJsonAsync("/archives/kept"))!["event_count"]!);
    }

    [Theory]
    [InlineData("PUT", "/archives/.hidden", "{}", "/name")]
    [InlineData("PUT", "/archives/bad-pattern", """{"event_pattern":{"source":"x"}}""", "/event_pattern/source: Event pattern is not valid. Reason:")]
    [InlineData("PUT", "/archives/bad-retention", """{"retention_days":-1}""", "/retention_days")]
    [InlineData("PUT", "/archives/bad-template", """{"path_template":"{yyyy}/{MM}"}""", "/path_template")]
    [InlineData("PUT", "/archives/bad-type", """{"retention_days":"ten"}""", "/retention_days")]
    [InlineData("POST", "/replays", """{"archive":"a400","from":"2025-01-01T00:00:00Z","to":"2025-01-02T00:00:00Z"}""", "/name")]
    [InlineData("POST", "/replays", """{"name":"r","archive":"none","from":"2025-01-01T00:00:00Z","to":"2025-01-02T00:00:00Z"}""", "/archive: no archive named 'none'")]
    [InlineData("POST", "/replays", """{"name":"r","archive":"a400","from":"yesterday","to":"2025-01-02T00:00:00Z"}""", "/from")]
    [InlineData("POST", "/replays", """{"name":"r","archive":"a400","from":"2025-01-02T00:00:00Z","to":"2025-01-01T00:00:00Z"}""", "/to: must be after from")]
    [InlineData("POST", "/replays", """{"name":"r","archive":"a400","from":"2025-01-01T00:00:00Z"}""", "/to: required")]
    [InlineData("POST", "/replays", """{"name":"r","archive":"a400","from":"2025-01-01T00:00:00Z","to":"2025-01-02T00:00:00Z","rules":["no-rule"]}""", "/rules/0: no rule named")]
    [InlineData("POST", "/replays", """{"name":"r","archive":"a400","from":"2025-01-01T00:00:00Z","to":"2025-01-02T00:00:00Z","event_pattern":{"a":1}}""", "/event_pattern/a")]
    [InlineData("POST", "/replays", "[1]", "")]
    public async Task Bad_requests_are_400_problems_pointing_at_the_fault(string method, string path, string body, string expected)
    {
        await Client.PutOkAsync("/archives/a400", "{}");
        using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        });
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem.Errors(), e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_archives_and_replays_are_404_and_a_taken_replay_name_is_409()
    {
        foreach (var (method, path) in new[] { ("GET", "/archives/none"), ("DELETE", "/archives/none"), ("GET", "/replays/none"), ("POST", "/replays/none/cancel") })
        {
            using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            await response.ProblemAsync(HttpStatusCode.NotFound);
        }
        await Client.PutOkAsync("/archives/taken", "{}");
        const string replay = """{"name":"taken","archive":"taken","from":"2025-01-01T00:00:00Z","to":"2025-01-02T00:00:00Z"}""";
        await Client.PostOkAsync("/replays", replay);
        using var duplicate = await Client.PostJsonAsync("/replays", replay);
        await duplicate.ProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task An_archive_declared_by_an_application_is_read_only_through_the_API()
    {
        await using var server = await TestServer.StartAsync(QuickSweeps,
            s => s.AddArchive("bronze", new Archive { PathTemplate = "{detail-type}/{yyyy}/{MM}/{dd}/{id}.json" }));
        var bronze = await server.Client.GetJsonAsync("/archives/bronze");
        Assert.Equal("application", (string?)bronze!["origin"]);
        using (var put = await server.Client.PutJsonAsync("/archives/bronze", "{}")) await put.ProblemAsync(HttpStatusCode.Conflict);
        using (var delete = await server.Client.DeleteAsync("/archives/bronze")) await delete.ProblemAsync(HttpStatusCode.Conflict);
        var id = await server.Client.PostEventAsync("ingest", "demo");
        await Eventually.Until(() => Directory.GetFiles(Path.Combine(server.DataDir, "archive", "bronze", "demo"), $"{id}.json", SearchOption.AllDirectories).Length == 1);
    }
}
