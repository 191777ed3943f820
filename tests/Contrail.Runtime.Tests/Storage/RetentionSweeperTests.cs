using System.Text.Json.Nodes;
using Contrail.Events;
using Contrail.Hosting;
using Contrail.Queues;
using Contrail.Records;
using Contrail.Storage;
using Contrail.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Contrail.Tests.Storage;

public sealed class RetentionSweeperTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "contrail-tests", "retention-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTime _time = new(new DateTimeOffset(2025, 1, 15, 8, 0, 0, TimeSpan.Zero));
    private SqliteStore _store = null!;

    public ValueTask InitializeAsync()
    {
        _store = SqliteStore.Open(new SqliteStoreOptions { DataDirectory = _dir }, _time, NullLogger.Instance);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static readonly RecordCollection Things = new("things");

    private Task Write(string tag) => _store.WriteAsync(w =>
    {
        w.EventInsert(new EventEnvelope { Id = "evt-" + tag, Source = "s", DetailType = "t", Time = _time.GetUtcNow() }, "{}", null);
        w.IdempotencyClaim("s", "key-" + tag, null, null);
        w.RecordPut(Things, tag, new JsonObject { ["v"] = tag });
        w.MessageSend("q", new OutgoingMessage("waiting-" + tag, EventId: "evt-" + tag));
        w.MessageSend("q", new OutgoingMessage("done-" + tag, EventId: "evt-" + tag));
        return 0;
    });

    [Fact]
    public async Task The_sweep_removes_what_retention_no_longer_keeps_and_only_that()
    {
        var queue = new QueueAttributes { MessageRetentionSeconds = 3 * 86_400 }.Resolve("q");
        await _store.WriteAsync(w => { w.QueueUpsert("q", queue); return 0; });
        await Write("old");
        var received = await _store.WriteAsync(w => w.MessageReceiveMany("q", queue, 10));
        await _store.WriteAsync(w => w.MessageDelete(received.Single(m => m.Body == "done-old").Id, 1));
        await _store.WriteAsync(w => w.MessageChangeVisibility(received.Single(m => m.Body == "waiting-old").Id, 1, TimeSpan.Zero));

        _time.Advance(TimeSpan.FromDays(4));
        await Write("new");

        var retention = new RetentionOptions
        {
            Events = TimeSpan.FromDays(2), IdempotencyKeys = TimeSpan.FromDays(2), ChangeFeed = TimeSpan.FromDays(2), MessageHistory = TimeSpan.FromDays(2),
        };
        var sweeper = new RetentionSweeper(_store, Options.Create(new ContrailOptions { Retention = retention }), NullLogger<RetentionSweeper>.Instance);
        await sweeper.SweepAsync(retention, TestContext.Current.CancellationToken);

        _store.Read(r =>
        {
            Assert.Null(r.EventGet("evt-old"));
            Assert.NotNull(r.EventGet("evt-new"));
            Assert.Null(r.IdempotencyGet("s", "key-old"));
            Assert.NotNull(r.IdempotencyGet("s", "key-new"));
            Assert.Equal(["new"], r.ChangeReadAfter(0, "things", 10).Select(c => c.Key).ToArray());
            // Records themselves are domain state, not history: retention never removes them.
            Assert.NotNull(r.RecordGet("things", "old"));
            // The unhandled old message outlived its queue's 3-day retention; the new ones wait.
            Assert.Equal(["done-new", "waiting-new"], r.MessagePeek("q", 0, 10).Select(m => m.Body).Order().ToArray());
            return 0;
        });
        // The handled old message left history 4 days ago and is swept; the expired one just entered history and stays.
        var history = Assert.Single(_store.Read(r => r.MessageListForEvent("evt-old")));
        Assert.Equal(MessageState.Expired, history.State);
    }
}
