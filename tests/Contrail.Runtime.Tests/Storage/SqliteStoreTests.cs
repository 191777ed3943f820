using Contrail.Hosting;
using Contrail.Queues;
using Contrail.Storage;
using Contrail.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contrail.Tests.Storage;

public sealed class SqliteStoreTests : StoreContractTests
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "contrail-tests", "sqlite-" + Guid.NewGuid().ToString("N"));

    protected override Task<Store> OpenAsync() => Task.FromResult<Store>(Open(_dir, Time));

    private static SqliteStore Open(string dir, TimeProvider time) =>
        SqliteStore.Open(new SqliteStoreOptions { DataDirectory = dir }, time, NullLogger.Instance);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Reopening_applies_no_migration_twice_and_keeps_the_data()
    {
        await Store.WriteAsync(w => { w.QueueUpsert("kept", new QueueAttributes()); return 0; });
        await Store.DisposeAsync();
        var reopened = Open(_dir, Time);
        Assert.NotNull(reopened.Read(r => r.QueueGet("kept")));
        Assert.Equal(SqlCatalog.LoadMigrations("sqlite").Count, reopened.Read(r => r.Scalar<long>("MigrationCount")));
        await reopened.DisposeAsync();
        await InitializeAsync();
    }

    [Fact]
    public void A_second_store_on_the_same_directory_is_refused()
    {
        var ex = Assert.Throws<DataDirectoryInUseException>(() => Open(_dir, Time));
        Assert.Contains(_dir, ex.Message);
    }

    [Fact]
    public async Task Messages_in_flight_when_a_process_stopped_are_visible_at_once_after_reopening()
    {
        var attributes = new QueueAttributes { VisibilityTimeoutSeconds = 3600 };
        await Store.WriteAsync(w => { w.QueueUpsert("q", attributes); w.MessageSend("q", new OutgoingMessage("held")); return 0; });
        Assert.Single(await Store.WriteAsync(w => w.MessageReceiveMany("q", attributes, 10)));
        await Store.DisposeAsync();
        var reopened = Open(_dir, Time);
        var again = Assert.Single(await reopened.WriteAsync(w => w.MessageReceiveMany("q", attributes, 10)));
        Assert.Equal(2, again.ReceiveCount);
        await reopened.DisposeAsync();
        await InitializeAsync();
    }

    [Fact]
    public async Task A_full_write_queue_fails_fast_when_asked_instead_of_growing()
    {
        await Store.DisposeAsync();
        var small = SqliteStore.Open(new SqliteStoreOptions { DataDirectory = _dir, WriteQueueCapacity = 1, MaxBatch = 1 }, Time, NullLogger.Instance);
        using var gate = new ManualResetEventSlim();
        var blocker = small.WriteAsync(_ => { gate.Wait(TestContext.Current.CancellationToken); return 0; });
        // Whether the writer has taken the blocked unit yet or not, the channel (capacity 1) is full after
        // the next unit, so the one after that has no room.
        var waiting = small.WriteAsync(_ => 1);
        var refused = Record.ExceptionAsync(() => small.WriteAsync(_ => 2, failWhenSaturated: true));
        gate.Set();
        Assert.IsType<StoreSaturatedException>(await refused);
        Assert.Equal(1, await waiting);
        await blocker;
        await small.DisposeAsync();
        await InitializeAsync();
    }
}
