using System.Text.Json.Nodes;
using Contrail.Queues;
using Contrail.Records;
using Contrail.Storage;

namespace Contrail.Tests.Storage;

/// <summary>
/// The storage contract, behaviour by behaviour. Every provider runs these same cases against a real
/// database (one subclass per provider).
/// </summary>
public abstract partial class StoreContractTests : IAsyncLifetime
{
    protected ManualTime Time { get; } = new(new DateTimeOffset(2025, 1, 15, 8, 0, 0, TimeSpan.Zero));
    protected Store Store { get; private set; } = null!;

    protected abstract Task<Store> OpenAsync();

    public async ValueTask InitializeAsync() => Store = await OpenAsync();

    public virtual async ValueTask DisposeAsync() => await Store.DisposeAsync();

    private static readonly QueueAttributes Attributes = new QueueAttributes { VisibilityTimeoutSeconds = 30, MaxReceiveCount = 2 }.Resolve("q");

    private Task<List<QueueMessage>> Receive(int max = 10) => Store.WriteAsync(w => w.MessageReceiveMany("q", Attributes, max));

    private Task Send(string body, TimeSpan? delay = null, string? dedup = null) =>
        Store.WriteAsync(w => w.MessageSend("q", new OutgoingMessage(body, DedupKey: dedup, Delay: delay)));

    private async Task CreateQueue() => await Store.WriteAsync(w => { w.QueueUpsert("q", Attributes); w.QueueUpsert("q-dlq", QueueAttributes.ForDeadLetterQueue()); return 0; });

    [Fact]
    public async Task Receive_hides_messages_until_the_visibility_timeout_passes()
    {
        await CreateQueue();
        await Send("a");
        var first = Assert.Single(await Receive());
        Assert.Equal(1, first.ReceiveCount);
        Assert.Empty(await Receive());
        Time.Advance(TimeSpan.FromSeconds(31));
        var again = Assert.Single(await Receive());
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(2, again.ReceiveCount);
    }

    [Fact]
    public async Task Receive_returns_messages_in_send_order_up_to_the_batch_size()
    {
        await CreateQueue();
        for (var i = 0; i < 5; i++) await Send($"m{i}");
        var batch = await Receive(3);
        Assert.Equal(["m0", "m1", "m2"], batch.Select(m => m.Body).ToArray());
        Assert.Equal(["m3", "m4"], (await Receive()).Select(m => m.Body).ToArray());
    }

    [Fact]
    public async Task A_deleted_message_is_never_received_again_and_a_stale_receipt_deletes_nothing()
    {
        await CreateQueue();
        await Send("a");
        var first = Assert.Single(await Receive());
        Time.Advance(TimeSpan.FromSeconds(31));
        var second = Assert.Single(await Receive());
        Assert.False(await Store.WriteAsync(w => w.MessageDelete(first.Id, first.ReceiveCount)), "stale receipt");
        Assert.True(await Store.WriteAsync(w => w.MessageDelete(second.Id, second.ReceiveCount)));
        Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(await Receive());
        Assert.Equal(new QueueStats(0, 0, 0, null), Store.Read(r => r.QueueStats("q")));
    }

    [Fact]
    public async Task A_delayed_message_becomes_visible_after_its_delay()
    {
        await CreateQueue();
        await Send("later", TimeSpan.FromSeconds(10));
        Assert.Equal(1, Store.Read(r => r.QueueStats("q")).Delayed);
        Assert.Empty(await Receive());
        Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal("later", Assert.Single(await Receive()).Body);
    }

    [Fact]
    public async Task Change_visibility_makes_a_message_visible_again_with_the_error_recorded()
    {
        await CreateQueue();
        await Send("a");
        var message = Assert.Single(await Receive());
        Assert.True(await Store.WriteAsync(w => w.MessageChangeVisibility(message.Id, message.ReceiveCount, TimeSpan.FromSeconds(2), "boom")));
        Assert.Empty(await Receive());
        Time.Advance(TimeSpan.FromSeconds(2));
        var again = Assert.Single(await Receive());
        Assert.Equal("boom", again.LastError);
    }

    [Fact]
    public async Task After_the_maximum_receives_a_message_is_not_delivered_again_and_moves_to_the_dead_letter_queue()
    {
        await CreateQueue();
        await Send("poison");
        for (var i = 0; i < 2; i++)
        {
            Assert.Single(await Receive());
            Time.Advance(TimeSpan.FromSeconds(31));
        }
        Assert.Empty(await Receive());
        Assert.Equal(1, await Store.WriteAsync(w => w.MessageMoveExhaustedToDlq("q", Attributes)));
        var dead = Assert.Single(Store.Read(r => r.MessagePeek("q-dlq", 0, 10)));
        Assert.Equal("q", dead.SourceQueue);
        Assert.Equal(0, dead.ReceiveCount);
        Assert.Equal(0, Store.Read(r => r.QueueStats("q")).Ready);
    }

    [Fact]
    public async Task Redrive_moves_dead_letters_back_with_a_fresh_receive_count()
    {
        await CreateQueue();
        await Send("a");
        var message = Assert.Single(await Receive());
        await Store.WriteAsync(w => w.MessageMoveToDlq(message.Id, message.ReceiveCount, "q-dlq", "bad"));
        Assert.Equal(1, await Store.WriteAsync(w => w.MessageRedrive("q-dlq", "q", 100)));
        var back = Assert.Single(await Receive());
        Assert.Equal(1, back.ReceiveCount);
        Assert.Empty(Store.Read(r => r.MessagePeek("q-dlq", 0, 10)));
    }

    [Fact]
    public async Task Purge_and_retention_expiry_leave_history_but_no_available_messages()
    {
        await CreateQueue();
        await Send("old");
        Time.Advance(TimeSpan.FromHours(1));
        await Send("new");
        Assert.Equal(1, await Store.WriteAsync(w => w.MessageExpireEnqueuedBefore("q", Time.GetUtcNow().AddMinutes(-30).ToUnixTimeMilliseconds())));
        Assert.Equal(["new"], (await Receive()).Select(m => m.Body).ToArray());
        await Send("more");
        Assert.Equal(2, await Store.WriteAsync(w => w.MessagePurge("q")));
        Assert.Empty(await Receive());
    }

    [Fact]
    public async Task A_dedup_key_is_accepted_once_per_queue()
    {
        await CreateQueue();
        await Send("a", dedup: "k1");
        await Send("a again", dedup: "k1");
        await Send("b", dedup: "k2");
        Assert.Equal(["a", "b"], (await Receive()).Select(m => m.Body).ToArray());
    }

    [Fact]
    public async Task Messages_in_flight_with_another_process_are_released()
    {
        await CreateQueue();
        await Send("a");
        Assert.Single(await Receive());
        // Nothing of this process's own is released.
        Assert.Equal(0, await Store.WriteAsync(w => w.MessageReleaseOrphaned()));
        Assert.Equal(1, Store.Read(r => r.QueueStats("q")).InFlight);
    }

    [Fact]
    public async Task A_failing_unit_of_work_does_not_undo_the_others_committed_with_it()
    {
        await CreateQueue();
        var tasks = Enumerable.Range(0, 50).Select(i => Store.WriteAsync<bool>(w =>
        {
            w.MessageSend("q", new OutgoingMessage($"m{i}"));
            if (i % 10 == 3) throw new InvalidOperationException("unit " + i);
            return true;
        })).ToList();
        var outcomes = await Task.WhenAll(tasks.Select(async t => { try { return await t; } catch (InvalidOperationException) { return false; } }));
        Assert.Equal(45, outcomes.Count(o => o));
        var bodies = (await Receive(100)).Select(m => m.Body).ToHashSet();
        Assert.Equal(45, bodies.Count);
        Assert.DoesNotContain("m3", bodies);
        Assert.Contains("m4", bodies);
    }

    private static readonly RecordCollection Things = new("things", RecordCollection.PropertyIndex("colour"));

    [Fact]
    public async Task Records_are_versioned_indexed_and_every_change_reaches_the_change_feed_once_in_order()
    {
        await Store.WriteAsync(w => w.RecordPut(Things, "a", new JsonObject { ["colour"] = "red", ["n"] = 1 }));
        await Store.WriteAsync(w => w.RecordPut(Things, "b", new JsonObject { ["colour"] = "red" }));
        var same = await Store.WriteAsync(w => w.RecordPut(Things, "a", new JsonObject { ["colour"] = "red", ["n"] = 1 }));
        Assert.False(same.Changed);
        var changed = await Store.WriteAsync(w => w.RecordPut(Things, "a", new JsonObject { ["colour"] = "blue", ["n"] = 2 }));
        Assert.True(changed.Changed);
        Assert.Equal(2, changed.Version);
        await Store.WriteAsync(w => w.RecordDelete(Things, "b"));

        Assert.Equal(["a"], Store.Read(r => r.RecordQueryByIndex("things", "colour", "blue", "", 10)).Select(x => x.Key).ToArray());
        Assert.Empty(Store.Read(r => r.RecordQueryByIndex("things", "colour", "red", "", 10)));
        Assert.Equal(2, Store.Read(r => r.RecordGet("things", "a"))!.Version);

        var changes = Store.Read(r => r.ChangeReadAfter(0, "things", 100));
        Assert.Equal(["a:null->red", "b:null->red", "a:red->blue", "b:red->null"],
            changes.Select(c => $"{c.Key}:{(string?)c.OldValue?["colour"] ?? "null"}->{(string?)c.NewValue?["colour"] ?? "null"}").ToArray());
        Assert.True(changes.Zip(changes.Skip(1)).All(p => p.First.Seq < p.Second.Seq));
    }

    [Fact]
    public async Task An_expected_version_that_does_not_match_is_a_conflict()
    {
        await Store.WriteAsync(w => w.RecordPut(Things, "v", new JsonObject { ["n"] = 1 }, expectedVersion: 0));
        await Assert.ThrowsAsync<RecordVersionConflictException>(() =>
            Store.WriteAsync(w => w.RecordPut(Things, "v", new JsonObject { ["n"] = 2 }, expectedVersion: 0)));
        Assert.Equal(1, (int)Store.Read(r => r.RecordGet("things", "v"))!.Value["n"]!);
    }

    [Fact]
    public async Task A_checkpoint_moves_only_with_its_transaction()
    {
        Assert.Equal(0, Store.Read(r => r.CheckpointGet("reader")));
        await Store.WriteAsync(w => { w.CheckpointSet("reader", 42); return 0; });
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.WriteAsync<int>(w =>
        {
            w.CheckpointSet("reader", 99);
            throw new InvalidOperationException("effect failed");
        }));
        Assert.Equal(42, Store.Read(r => r.CheckpointGet("reader")));
    }

    [Fact]
    public async Task An_idempotency_key_is_claimed_once_and_remembers_its_response()
    {
        Assert.Null(await Store.WriteAsync(w => w.IdempotencyClaim("s", "k", [1, 2, 3], "first")));
        var again = await Store.WriteAsync(w => w.IdempotencyClaim("s", "k", [9], "second"));
        Assert.Equal("first", again!.Response);
        Assert.Equal(new byte[] { 1, 2, 3 }, again.RequestHash);
    }
}
