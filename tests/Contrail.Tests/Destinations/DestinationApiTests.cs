using Contrail.Auth;

namespace Contrail.Tests.Destinations;

public sealed class DestinationApiTests : IAsyncLifetime
{
    private const string Secret = "destination-api-secret-4e1f";
    private readonly string _secretFile = Path.Combine(Path.GetTempPath(), $"contrail-secret-{Guid.NewGuid():N}");
    private TestServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        await File.WriteAllTextAsync(_secretFile, Secret + "\n");
        _server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Secrets:Hooks"] = Secret });
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        File.Delete(_secretFile);
    }

    private HttpClient Client => _server.Client;

    private static string Definition(string secret = "config:Secrets:Hooks") => $$$"""
        {"url":"https://hooks.example.com/in","auth":{"type":"header","header_name":"X-Hook-Token","secret":"{{{secret}}}"},
         "headers":{"X-Team":"ops"},
         "template":{"type":"json","body":{"flight":"{{$.detail.flight_id}}","text":"Flight {{$.detail.flight_id}} is {{$.detail.status}}"}},
         "rate_limit_per_second":20,"concurrency":4,"timeout_seconds":5,"retry":{"max_attempts":3,"base_delay_seconds":0.5,"max_delay_seconds":10}}
        """;

    [Fact]
    public async Task Put_creates_a_destination_with_its_queue_and_dlq_then_replaces_it()
    {
        using var created = await Client.PutJsonAsync("/destinations/hooks", Definition());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = await created.JsonAsync();
        Assert.Equal("https://hooks.example.com/in", (string?)view["url"]);
        Assert.Equal("POST", (string?)view["method"]);
        Assert.Equal("config:Secrets:Hooks", (string?)view["auth"]!["secret"]);
        Assert.Equal("api", (string?)view["origin"]);
        Assert.Equal("destination-hooks", (string?)view["queue"]);
        Assert.Equal("destination-hooks-dlq", (string?)view["dead_letter_queue"]);
        Assert.Equal(0, (int)view["health"]!["depth"]!);

        // The delivery queue follows the destination: attempts are receives, visibility covers a timed-out call.
        var queue = await Client.GetJsonAsync("/queues/destination-hooks");
        Assert.Equal(3, (int)queue!["attributes"]!["max_receive_count"]!);
        Assert.Equal(30, (int)queue["attributes"]!["visibility_timeout_seconds"]!);

        using var replaced = await Client.PutJsonAsync("/destinations/hooks", Definition($"file:{_secretFile}"));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal($"file:{_secretFile}", (string?)(await replaced.JsonAsync())["auth"]!["secret"]);
    }

    [Fact]
    public async Task The_secret_is_shown_and_stored_only_as_a_reference()
    {
        (await Client.PutJsonAsync("/destinations/secretive", Definition())).Dispose();
        (await Client.PutJsonAsync("/destinations/secretive-file", Definition($"file:{_secretFile}"))).Dispose();
        var one = await Client.GetStringAsync("/destinations/secretive");
        var list = await Client.GetStringAsync("/destinations");
        Assert.DoesNotContain(Secret, one);
        Assert.DoesNotContain(Secret, list);
        Assert.Contains("config:Secrets:Hooks", one);

        await _server.Store.WriteAsync(_ => 0); // the writes above are committed; now read the files
        var secret = System.Text.Encoding.UTF8.GetBytes(Secret);
        foreach (var file in Directory.GetFiles(_server.DataDir, "contrail.db*"))
            Assert.Equal(-1, (await ReadSharedAsync(file)).AsSpan().IndexOf(secret));
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory);
        return memory.ToArray();
    }

    [Fact]
    public async Task Every_problem_of_an_invalid_definition_is_listed()
    {
        using var response = await Client.PutJsonAsync("/destinations/bad", """
            {"url":"ftp://x","method":"FETCH","auth":{"type":"header","secret":"hunter2"},
             "headers":{"Content-Type":"text/plain","Authorization":"Bearer x"},
             "template":{"type":"graphql","variables":{"input":"{{$..detail}}"}},
             "rate_limit_per_second":0,"concurrency":5000,"timeout_seconds":0,"retry":{"max_attempts":0,"base_delay_seconds":5,"max_delay_seconds":1},
             "retention_seconds":1}
            """);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.Errors();
        foreach (var pointer in new[] { "/url", "/method", "/auth/header_name", "/auth/secret", "/headers/Content-Type", "/headers/Authorization",
                     "/template/query", "/template/variables/input", "/rate_limit_per_second", "/concurrency", "/timeout_seconds",
                     "/retry/max_attempts", "/retry/max_delay_seconds", "/retention_seconds" })
            Assert.Contains(errors, e => e.StartsWith(pointer + ":", StringComparison.Ordinal));
        // A secret given in clear is refused without being echoed back.
        Assert.DoesNotContain("hunter2", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("""{"url":"https://x.example","auth":{"secret":"env:CONTRAIL_TEST_UNSET_VARIABLE_9F3"}}""", "/auth/secret")]
    [InlineData("""{"url":"https://x.example","auth":{"secret":"file:/nonexistent/contrail/secret"}}""", "/auth/secret")]
    [InlineData("""{"url":"https://user:pw@x.example"}""", "/url")]
    [InlineData("""{"url":"https://x.example","rate_limit":5}""", "/rate_limit")]
    [InlineData("""{"url":"https://x.example","retry":{"attempts":5}}""", "/retry/attempts")]
    [InlineData("""{"url":"https://x.example","template":{"type":"json","body":{"a":"{{$.x"}}}""", "/template/body/a")]
    [InlineData("""{"url":"https://x.example","concurrency":"five"}""", "/concurrency")]
    [InlineData("""{}""", "/url")]
    public async Task Invalid_definitions_are_a_400_problem_pointing_at_the_field(string body, string pointer)
    {
        using var response = await Client.PutJsonAsync("/destinations/bad2", body);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem.Errors(), e => e.StartsWith(pointer, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"url":""")]
    [InlineData("[]")]
    [InlineData("")]
    public async Task Malformed_bodies_are_a_400_problem(string body)
    {
        using var response = await Client.PutJsonAsync("/destinations/bad3", body);
        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_name_with_odd_characters_is_refused_and_unknown_names_are_404()
    {
        using (var response = await Client.PutJsonAsync("/destinations/" + Uri.EscapeDataString("a b"), """{"url":"https://x.example"}"""))
            await response.ProblemAsync(HttpStatusCode.BadRequest);
        using (var response = await Client.GetAsync("/destinations/nope"))
            await response.ProblemAsync(HttpStatusCode.NotFound);
        using (var response = await Client.DeleteAsync("/destinations/nope"))
            await response.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_list_is_paged_by_name()
    {
        foreach (var name in new[] { "page-a", "page-b", "page-c" })
            (await Client.PutJsonAsync($"/destinations/{name}", """{"url":"https://x.example"}""")).Dispose();
        var first = await Client.GetJsonAsync("/destinations?limit=2");
        var names = first!["items"]!.AsArray().Select(d => (string)d!["name"]!).ToList();
        Assert.Equal(2, names.Count);
        var cursor = (string)first["next_cursor"]!;
        var rest = await Client.GetJsonAsync($"/destinations?limit=1000&cursor={cursor}");
        names.AddRange(rest!["items"]!.AsArray().Select(d => (string)d!["name"]!));
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Contains("page-c", names);
        using var bad = await Client.GetAsync("/destinations?limit=zero");
        await bad.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Delete_removes_the_destination_and_its_queue_and_keeps_the_dlq()
    {
        (await Client.PutJsonAsync("/destinations/short-lived", """{"url":"https://x.example"}""")).Dispose();
        using var deleted = await Client.DeleteAsync("/destinations/short-lived");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Null(await Client.GetJsonAsync("/destinations/short-lived"));
        Assert.Null(await Client.GetJsonAsync("/queues/destination-short-lived"));
        Assert.NotNull(await Client.GetJsonAsync("/queues/destination-short-lived-dlq"));
    }

    [Fact]
    public async Task Reading_needs_the_read_scope_and_writing_the_admin_scope()
    {
        var keys = _server.Services.GetRequiredService<ApiKeys>();
        var (_, reader) = await keys.CreateAsync("reader", [Scopes.Read]);
        var (_, producer) = await keys.CreateAsync("producer", [Scopes.Ingest]);
        using var readClient = _server.CreateClient(reader);
        using var ingestClient = _server.CreateClient(producer);
        using var anonymous = _server.CreateClient(apiKey: null);

        using (var response = await anonymous.GetAsync("/destinations")) await response.ProblemAsync(HttpStatusCode.Unauthorized);
        using (var response = await anonymous.PutJsonAsync("/destinations/x", "{}")) await response.ProblemAsync(HttpStatusCode.Unauthorized);
        using (var response = await ingestClient.GetAsync("/destinations")) await response.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await readClient.GetAsync("/destinations")).StatusCode);
        using (var response = await readClient.PutJsonAsync("/destinations/x", """{"url":"https://x.example"}""")) await response.ProblemAsync(HttpStatusCode.Forbidden);
        using (var response = await readClient.DeleteAsync("/destinations/x")) await response.ProblemAsync(HttpStatusCode.Forbidden);
    }
}
