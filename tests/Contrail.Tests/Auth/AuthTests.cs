using Contrail.Auth;

namespace Contrail.Tests.Auth;

public sealed class AuthTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Theory]
    [InlineData("GET", "/flights")]
    [InlineData("GET", "/events")]
    [InlineData("POST", "/events")]
    [InlineData("GET", "/queues")]
    [InlineData("GET", "/openapi/v1.json")]
    [InlineData("GET", "/destinations")]
    [InlineData("PUT", "/destinations/x")]
    [InlineData("GET", "/api-keys")]
    [InlineData("POST", "/api-keys")]
    [InlineData("DELETE", "/api-keys/key_x")]
    [InlineData("POST", "/gateway/events")]
    [InlineData("GET", "/rules")]
    [InlineData("POST", "/rules/test-pattern")]
    [InlineData("GET", "/topics")]
    [InlineData("POST", "/topics/t/messages")]
    [InlineData("GET", "/archives")]
    [InlineData("POST", "/replays")]
    [InlineData("GET", "/alarms")]
    public async Task Routes_without_a_key_answer_401_problem(string method, string path)
    {
        using var client = _server.CreateClient(apiKey: null);
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        await response.ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_wrong_key_answers_401()
    {
        using var client = _server.CreateClient("not-a-key");
        using var response = await client.GetAsync("/flights");
        await response.ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Bearer_token_is_accepted_like_the_header()
    {
        using var client = _server.CreateClient(apiKey: null);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _server.ApiKey);
        using var response = await client.GetAsync("/flights");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Health_needs_no_key()
    {
        using var client = _server.CreateClient(apiKey: null);
        using var live = await client.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("healthy", (string?)(await ready.JsonAsync())["status"]);
    }

    [Fact]
    public async Task A_key_without_the_scope_answers_403()
    {
        var keys = _server.Services.GetRequiredService<ApiKeys>();
        var (_, readOnly) = await keys.CreateAsync("reader", [Scopes.Read]);
        var (_, ingestOnly) = await keys.CreateAsync("producer", [Scopes.Ingest]);
        using var reader = _server.CreateClient(readOnly);
        using var producer = _server.CreateClient(ingestOnly);

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/flights")).StatusCode);
        using (var post = await reader.PostJsonAsync("/events", """{"type":"t","data":{"flightId":"F"}}"""))
            await post.ProblemAsync(HttpStatusCode.Forbidden);
        using (var put = await reader.PutJsonAsync("/queues/q1", "{}"))
            await put.ProblemAsync(HttpStatusCode.Forbidden);

        using (var post = await producer.PostJsonAsync("/events", """{"type":"t","data":{"flightId":"F"}}"""))
            Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        using (var get = await producer.GetAsync("/flights"))
            await get.ProblemAsync(HttpStatusCode.Forbidden);

        // Bus configuration needs admin; reading it needs read; publishing to a topic needs ingest.
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/rules")).StatusCode);
        foreach (var (method, path) in new[] { ("PUT", "/rules/r"), ("DELETE", "/rules/r"), ("PUT", "/topics/t"), ("POST", "/topics/t/subscriptions"),
                     ("PUT", "/archives/a"), ("POST", "/replays"), ("POST", "/replays/r/cancel"), ("PUT", "/alarms/a"), ("DELETE", "/alarms/a") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
            using var response = await reader.SendAsync(request);
            await response.ProblemAsync(HttpStatusCode.Forbidden);
        }
        using (var publish = await reader.PostJsonAsync("/topics/t/messages", """{"message":"m"}"""))
            await publish.ProblemAsync(HttpStatusCode.Forbidden);
        using (var rules = await producer.GetAsync("/rules"))
            await rules.ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_revoked_key_stops_working_at_once()
    {
        var keys = _server.Services.GetRequiredService<ApiKeys>();
        var (key, secret) = await keys.CreateAsync("temporary", [Scopes.Read]);
        using var client = _server.CreateClient(secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/flights")).StatusCode);
        Assert.True(await keys.RevokeAsync(key.Id));
        using var response = await client.GetAsync("/flights");
        await response.ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Keys_are_stored_hashed_never_in_clear()
    {
        var keys = _server.Store.Read(r => r.ApiKeyListActive());
        Assert.NotEmpty(keys);
        var dbBytes = await File.ReadAllBytesAsync(Path.Combine(_server.DataDir, "contrail.db"));
        var wal = Path.Combine(_server.DataDir, "contrail.db-wal");
        var walBytes = File.Exists(wal) ? await File.ReadAllBytesAsync(wal) : [];
        var secret = System.Text.Encoding.UTF8.GetBytes(_server.ApiKey);
        Assert.Equal(-1, dbBytes.AsSpan().IndexOf(secret));
        Assert.Equal(-1, walBytes.AsSpan().IndexOf(secret));
    }
}
