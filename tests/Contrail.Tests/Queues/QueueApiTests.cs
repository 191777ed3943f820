using Contrail.Hosting;

namespace Contrail.Tests.Queues;

public sealed class QueueApiTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private HttpClient Client => _server.Client;

    [Fact]
    public async Task Put_creates_a_queue_with_its_dead_letter_queue_then_updates_it()
    {
        using var created = await Client.PutJsonAsync("/queues/orders", """{"visibility_timeout_seconds":10,"max_receive_count":3}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = await created.JsonAsync();
        Assert.Equal("orders-dlq", (string?)view["attributes"]!["dead_letter_queue"]);
        Assert.Equal(0, (int)view["depth"]!);
        Assert.Equal(0, (int)view["dlq_depth"]!);

        var dlq = await Client.GetJsonAsync("/queues/orders-dlq");
        Assert.Equal(1_209_600, (int)dlq!["attributes"]!["message_retention_seconds"]!);

        using var updated = await Client.PutJsonAsync("/queues/orders", """{"visibility_timeout_seconds":20,"max_receive_count":3}""");
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(20, (int)(await updated.JsonAsync())["attributes"]!["visibility_timeout_seconds"]!);
    }

    [Fact]
    public async Task Invalid_attributes_are_all_listed()
    {
        using var response = await Client.PutJsonAsync("/queues/bad", """{"visibility_timeout_seconds":-1,"delay_seconds":5000,"max_receive_count":0}""");
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.Errors();
        Assert.Contains(errors, e => e.StartsWith("/visibility_timeout_seconds"));
        Assert.Contains(errors, e => e.StartsWith("/delay_seconds"));
        Assert.Contains(errors, e => e.StartsWith("/max_receive_count"));
    }

    [Theory]
    [InlineData("""{"visibility_timeout_seconds":"ten"}""")]
    [InlineData("""{"visibility_timeout_seconds":""")]
    [InlineData("[]")]
    public async Task Malformed_attributes_are_a_400_problem(string body)
    {
        using var response = await Client.PutJsonAsync("/queues/bad2", body);
        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_queue_name_with_odd_characters_is_refused()
    {
        using var response = await Client.PutJsonAsync("/queues/" + Uri.EscapeDataString("a b"), "{}");
        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Sent_messages_show_in_depth_and_peek_and_purge_empties_the_queue()
    {
        (await Client.PutJsonAsync("/queues/plain", "{}")).Dispose();
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await Client.PostJsonAsync("/queues/plain/messages", $$$"""{"body":{"n":{{{i}}}}}""")).StatusCode);
        using (var delayed = await Client.PostJsonAsync("/queues/plain/messages", """{"body":"later","delay_seconds":600}"""))
            Assert.Equal(HttpStatusCode.Accepted, delayed.StatusCode);

        var view = await Client.GetJsonAsync("/queues/plain");
        Assert.Equal(3, (int)view!["depth"]!);
        Assert.Equal(1, (int)view["delayed"]!);
        Assert.True((double)view["oldest_age_seconds"]! >= 0);

        var peek = await Client.GetJsonAsync("/queues/plain/messages?limit=2");
        Assert.Equal([0, 1], peek!["items"]!.AsArray().Select(m => (int)m!["body"]!["n"]!).ToArray());
        Assert.NotNull((string?)peek["next_cursor"]);

        using var purge = await Client.PostAsync("/queues/plain/purge", null);
        Assert.Equal(4, (int)(await purge.JsonAsync())["purged"]!);
        Assert.Equal(0, (int)(await Client.GetJsonAsync("/queues/plain"))!["depth"]!);
    }

    [Fact]
    public async Task Unknown_queues_are_404_problems()
    {
        foreach (var request in new[]
                 {
                     new HttpRequestMessage(HttpMethod.Get, "/queues/nope"),
                     new HttpRequestMessage(HttpMethod.Get, "/queues/nope/messages"),
                     new HttpRequestMessage(HttpMethod.Post, "/queues/nope/redrive"),
                     new HttpRequestMessage(HttpMethod.Post, "/queues/nope/purge"),
                 })
        {
            using var response = await Client.SendAsync(request);
            await response.ProblemAsync(HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task A_dead_lettered_message_is_redriven_to_its_queue_and_handled_there()
    {
        var failing = true;
        var handled = 0;
        await using var server = await TestServer.StartAsync(services: s =>
        {
            s.AddQueue("flaky", new Contrail.Queues.QueueAttributes { MaxReceiveCount = 2, RetryBaseSeconds = 0, RetryMaxSeconds = 0 });
            s.AddQueueConsumer(_ => new Contrail.Queues.QueueConsumerRegistration("flaky", (message, _) =>
            {
                if (Volatile.Read(ref failing)) throw new InvalidOperationException("downstream is down");
                Interlocked.Increment(ref handled);
                return ValueTask.CompletedTask;
            }, null));
        });
        using (var sent = await server.Client.PostJsonAsync("/queues/flaky/messages", """{"body":"work"}"""))
            Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        await Eventually.Until(async () => (int)(await server.Client.GetJsonAsync("/queues/flaky"))!["dlq_depth"]!, n => n == 1, because: "two failed receives");
        var dead = (await server.Client.GetJsonAsync("/queues/flaky/messages?dlq=true"))!["items"]![0]!;
        Assert.Equal("flaky", (string?)dead["source_queue"]);
        Assert.Contains("downstream is down", (string?)dead["last_error"]);

        Volatile.Write(ref failing, false);
        using var redrive = await server.Client.PostAsync("/queues/flaky/redrive", null);
        Assert.Equal(1, (int)(await redrive.JsonAsync())["moved"]!);
        var queue = await Eventually.Until(() => server.Client.GetJsonAsync("/queues/flaky"),
            q => (int)q!["depth"]! + (int)q["in_flight"]! == 0, because: "the redriven message is handled and acked");
        Assert.Equal(0, (int)queue!["dlq_depth"]!);
        Assert.Equal(1, Volatile.Read(ref handled));
    }
}
