using System.Diagnostics;
using Contrail.Auth;

namespace Contrail.Tests.Auth;

public sealed class ApiKeyApiTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task A_created_key_is_shown_once_works_for_its_scopes_is_listed_without_secrets_and_revokes_at_once()
    {
        using var created = await _server.Client.PostJsonAsync("/api-keys", """{"name":"flight-ops producer","scopes":["ingest"]}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = await created.JsonAsync();
        var id = (string)key["id"]!;
        var secret = (string)key["key"]!;
        Assert.Equal($"/api-keys/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal(["ingest"], key["scopes"]!.AsArray().Select(s => (string)s!));

        using var producer = _server.CreateClient(secret);
        using (var post = await producer.PostJsonAsync("/events", """{"source":"s","detail-type":"t","detail":{}}"""))
            Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        using (var read = await producer.GetAsync("/events")) await read.ProblemAsync(HttpStatusCode.Forbidden);

        var list = await _server.Client.GetStringAsync("/api-keys");
        Assert.Contains(id, list);
        Assert.DoesNotContain(secret, list);
        Assert.DoesNotContain("hash", list);
        var listed = JsonNode.Parse(list)!["items"]!.AsArray().Single(k => (string?)k!["id"] == id)!;
        Assert.Equal("flight-ops producer", (string?)listed["name"]);
        Assert.Null(listed["revoked_at"]);

        using (var revoke = await _server.Client.DeleteAsync($"/api-keys/{id}")) Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        using (var again = await producer.PostJsonAsync("/events", """{"source":"s","detail-type":"t","detail":{}}""")) await again.ProblemAsync(HttpStatusCode.Unauthorized);
        using (var twice = await _server.Client.DeleteAsync($"/api-keys/{id}")) await twice.ProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(id, await _server.Client.GetStringAsync("/api-keys"));
        var all = await _server.Client.GetJsonAsync("/api-keys?include_revoked=true&limit=1000");
        Assert.NotNull((string?)all!["items"]!.AsArray().Single(k => (string?)k!["id"] == id)!["revoked_at"]);
    }

    [Fact]
    public async Task The_list_is_paged()
    {
        var keys = _server.Services.GetRequiredService<ApiKeys>();
        for (var i = 0; i < 3; i++) await keys.CreateAsync($"paged-{i}", [Scopes.Read]);
        var first = await _server.Client.GetJsonAsync("/api-keys?limit=2");
        Assert.Equal(2, first!["items"]!.AsArray().Count);
        var second = await _server.Client.GetJsonAsync($"/api-keys?limit=1000&cursor={(string)first["next_cursor"]!}");
        var ids = first["items"]!.AsArray().Concat(second!["items"]!.AsArray()).Select(k => (string)k!["id"]!).ToList();
        Assert.Equal(4, ids.Count); // the bootstrap key and three more
        Assert.Equal(ids.Distinct().Count(), ids.Count);
    }

    [Theory]
    [InlineData("""{"scopes":["read"]}""", "/name")]
    [InlineData("""{"name":"","scopes":["read"]}""", "/name")]
    [InlineData("""{"name":"x"}""", "/scopes")]
    [InlineData("""{"name":"x","scopes":[]}""", "/scopes")]
    [InlineData("""{"name":"x","scopes":["write"]}""", "/scopes/0")]
    [InlineData("""{"name":"x","scopes":["read","read"]}""", "/scopes/1")]
    [InlineData("""{"name":"x","scopes":["read"],"expires":"never"}""", "/expires")]
    public async Task Invalid_keys_are_a_400_problem_pointing_at_the_field(string body, string pointer)
    {
        using var response = await _server.Client.PostJsonAsync("/api-keys", body);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem.Errors(), e => e.StartsWith(pointer + ":", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_problem_is_listed_and_malformed_bodies_are_400()
    {
        using (var response = await _server.Client.PostJsonAsync("/api-keys", """{"name":7,"scopes":["root"]}"""))
            Assert.Equal(2, (await response.ProblemAsync(HttpStatusCode.BadRequest)).Errors().Count);
        foreach (var body in new[] { "[]", "{\"name\":", "" })
            using (var response = await _server.Client.PostJsonAsync("/api-keys", body))
                await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Only_admin_keys_manage_keys()
    {
        var keys = _server.Services.GetRequiredService<ApiKeys>();
        var (_, reader) = await keys.CreateAsync("reader", [Scopes.Read]);
        var (_, producer) = await keys.CreateAsync("producer", [Scopes.Ingest, Scopes.Read]);
        using var anonymous = _server.CreateClient(apiKey: null);
        foreach (var client in new[] { _server.CreateClient(reader), _server.CreateClient(producer) })
            using (client)
            {
                using (var r = await client.GetAsync("/api-keys")) await r.ProblemAsync(HttpStatusCode.Forbidden);
                using (var r = await client.PostJsonAsync("/api-keys", """{"name":"x","scopes":["admin"]}""")) await r.ProblemAsync(HttpStatusCode.Forbidden);
                using (var r = await client.DeleteAsync("/api-keys/key_x")) await r.ProblemAsync(HttpStatusCode.Forbidden);
            }
        using (var r = await anonymous.GetAsync("/api-keys")) await r.ProblemAsync(HttpStatusCode.Unauthorized);
        using (var r = await anonymous.PostJsonAsync("/api-keys", """{"name":"x","scopes":["admin"]}""")) await r.ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_cli_manages_keys_over_http()
    {
        var created = await Cli("keys", "create", "--name", "cli over http", "--scopes", "ingest,read", "--url", _server.Url, "--api-key", _server.ApiKey);
        Assert.Equal(0, created.ExitCode);
        var secret = created.Output.Split('\n').Single(l => l.StartsWith("key: ", StringComparison.Ordinal))["key: ".Length..].Trim();
        using (var client = _server.CreateClient(secret)) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/events")).StatusCode);

        var listed = await Cli("keys", "list", "--url", _server.Url, "--api-key", _server.ApiKey);
        var line = listed.Output.Split('\n').Single(l => l.Contains("cli over http"));
        Assert.DoesNotContain(secret, listed.Output);
        var revoked = await Cli("keys", "revoke", line.Split(' ')[0], "--url", _server.Url, "--api-key", _server.ApiKey);
        Assert.Equal(0, revoked.ExitCode);
        using (var client = _server.CreateClient(secret)) await (await client.GetAsync("/events")).ProblemAsync(HttpStatusCode.Unauthorized);

        var refused = await Cli("keys", "list", "--url", _server.Url, "--api-key", "not-a-key");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("401", refused.Output);
    }

    [Fact]
    public async Task The_cli_manages_keys_in_a_stopped_servers_data_directory_and_refuses_a_running_ones()
    {
        var refused = await Cli("keys", "list", "--data-dir", _server.DataDir);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--url", refused.Output);

        var dataDir = TempDirectory.Create("keys-offline");
        try
        {
            var created = await Cli("keys", "create", "--name", "first admin", "--scopes", "admin", "--data-dir", dataDir);
            Assert.Equal(0, created.ExitCode);
            var secret = created.Output.Split('\n').Single(l => l.StartsWith("key: ", StringComparison.Ordinal))["key: ".Length..].Trim();
            var bad = await Cli("keys", "create", "--name", "x", "--scopes", "root", "--data-dir", dataDir);
            Assert.Equal(1, bad.ExitCode);

            // A server started on that directory accepts the key made offline.
            await using var process = await ContrailProcess.StartAsync(dataDir, "other-bootstrap-key");
            using var client = new HttpClient { BaseAddress = new Uri(process.Url) };
            client.DefaultRequestHeaders.Add("X-Api-Key", secret);
            using var response = await client.GetAsync("/api-keys", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("first admin", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }

    private static async Task<(int ExitCode, string Output)> Cli(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["exec", ContrailProcess.ExecutablePath, .. args]) start.ArgumentList.Add(arg);
        start.Environment.Remove("CONTRAIL_URL");
        start.Environment.Remove("CONTRAIL_API_KEY");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout + await stderr);
    }
}
