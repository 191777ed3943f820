using Contrail.Hosting;
using Contrail.Queues;
using Contrail.Storage;

namespace Contrail.Tests.Operations;

public sealed class OperationsTests
{
    [Fact]
    public async Task A_saturated_write_path_answers_503_with_retry_after_and_loses_nothing_acknowledged()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Storage:WriteQueueCapacity"] = "1" });
        using var gate = new ManualResetEventSlim();
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Hold the single writer, then fill the one waiting place. Only once the writer is inside the blocker:
        // a writer that had not yet dequeued it would take both into one group commit and leave the place free.
        var blocker = server.Store.WriteAsync(_ => { holding.TrySetResult(); gate.Wait(TimeSpan.FromSeconds(30)); return 0; });
        await holding.Task.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        var waiting = server.Store.WriteAsync(_ => 0);
        try
        {
            using var response = await server.Client.PostJsonAsync("/events", """{"source":"ops","detail-type":"t","detail":{},"id":"saturated-1"}""");
            var problem = await response.ProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("urn:contrail:problem:saturated", (string?)problem["type"]);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        }
        finally
        {
            gate.Set();
        }
        await Task.WhenAll(blocker, waiting);
        using var notStored = await server.Client.GetAsync("/events/saturated-1");
        await notStored.ProblemAsync(HttpStatusCode.NotFound);
        // A client retries after Retry-After (with a one-place write queue, background writes may refuse it again).
        await Eventually.Until(async () =>
        {
            using var retried = await server.Client.PostJsonAsync("/events", """{"source":"ops","detail-type":"t","detail":{},"id":"saturated-1"}""");
            return retried.StatusCode;
        }, status => status == HttpStatusCode.Accepted, because: "the retried event is accepted");
        Assert.NotNull(await server.Client.GetJsonAsync("/events/saturated-1"));
    }

    [Fact]
    public async Task Graceful_shutdown_lets_a_running_handler_finish_and_acks_it()
    {
        var started = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var handled = 0;
        void Services(IServiceCollection s)
        {
            s.AddQueue("slow", new QueueAttributes { VisibilityTimeoutSeconds = 600 });
            s.AddQueueConsumer(_ => new QueueConsumerRegistration("slow", async (_, _) =>
            {
                started.TrySetResult();
                await release.Task;
                Interlocked.Increment(ref handled);
            }, null) { Concurrency = 1, Prefetch = 0 });
        }
        var server = await TestServer.StartAsync(services: Services);
        try
        {
            (await server.Client.PostJsonAsync("/queues/slow/messages", """{"body":"one"}""")).Dispose();
            await started.Task.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
            var stopping = server.App.StopAsync(CancellationToken.None);
            release.SetResult();
            await stopping;
            Assert.Equal(1, handled);
        }
        finally
        {
            server = await server.RestartAsync();
        }
        await using (server)
        {
            // Acked before the store closed: nothing waits or is in flight after the restart.
            var queue = await server.Client.GetJsonAsync("/queues/slow");
            Assert.Equal(0, (int)queue!["depth"]! + (int)queue["in_flight"]!);
        }
    }

    [Fact]
    public async Task Graceful_shutdown_releases_a_handler_that_does_not_finish_in_the_grace_period()
    {
        var started = new TaskCompletionSource();
        void Services(IServiceCollection s)
        {
            s.AddQueue("stuck", new QueueAttributes { VisibilityTimeoutSeconds = 600 });
            s.AddQueueConsumer(_ => new QueueConsumerRegistration("stuck", async (_, ct) =>
            {
                started.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }, null) { Concurrency = 1, Prefetch = 0 });
        }
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Queues:ShutdownGrace"] = "00:00:00.200" }, Services);
        (await server.Client.PostJsonAsync("/queues/stuck/messages", """{"body":"one"}""")).Dispose();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        var stoppedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await server.StopAsync();

        // Read the file itself (opening a store would release orphans and hide what shutdown did).
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(server.DataDir, "contrail.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT owner, visible_at, state FROM messages WHERE queue = 'stuck'";
        using var row = command.ExecuteReader();
        Assert.True(row.Read());
        Assert.True(row.IsDBNull(0), "released: no owner");
        Assert.True(row.GetInt64(1) <= stoppedAt + 5_000, "released: visible now, not after the 600 s visibility timeout");
        Assert.Equal(0, row.GetInt32(2));
    }
}
