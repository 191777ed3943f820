using System.Text.Json.Nodes;
using Contrail.Alarms;
using Contrail.Archives;
using Contrail.Topics;

namespace Contrail.Tests.Storage;

/// <summary>The bus's part of the storage contract: archive index, replay progress, alarm state, topics.</summary>
public abstract partial class StoreContractTests
{
    [Fact]
    public async Task An_archive_entry_carries_its_payload_until_its_file_is_marked_written()
    {
        await Store.WriteAsync(w => { w.ArchiveUpsert("a", new Archive(), "api"); w.ArchiveEntryInsert("a", "e1", 1000, "e1.json", "{\"id\":\"e1\"}"); return 0; });
        var pending = Assert.Single(Store.Read(r => r.ArchiveEntryListPending(10)));
        Assert.Equal(("a", "e1.json", "{\"id\":\"e1\"}"), (pending.Archive, pending.Path, pending.Body));
        Assert.True(await Store.WriteAsync(w => w.ArchiveEntryMarkWritten(pending.Seq)));
        Assert.Empty(Store.Read(r => r.ArchiveEntryListPending(10)));
        var entry = Assert.Single(Store.Read(r => r.ArchiveEntryListRange("a", 0, 2000, long.MinValue, long.MinValue, 10)));
        Assert.Null(entry.PendingBody);
        Assert.Equal(new ArchiveStats(1, 11, 1000, 1000), Store.Read(r => r.ArchiveStats("a")));
        await Store.WriteAsync(w => w.ArchiveDelete("a"));
        Assert.False(await Store.WriteAsync(w => w.ArchiveEntryMarkWritten(pending.Seq)), "a deleted entry is gone");
    }

    [Fact]
    public async Task Archive_entries_of_a_range_come_in_event_time_order_after_a_position()
    {
        await Store.WriteAsync(w =>
        {
            foreach (var (id, time) in new[] { ("c", 30L), ("a", 10L), ("b", 20L), ("b2", 20L), ("late", 50L) })
                w.ArchiveEntryInsert("r", id, time, id + ".json", "{}");
            return 0;
        });
        var first = Store.Read(r => r.ArchiveEntryListRange("r", 10, 50, long.MinValue, long.MinValue, 2));
        Assert.Equal(["a", "b"], first.Select(e => e.EventId).ToArray());
        var rest = Store.Read(r => r.ArchiveEntryListRange("r", 10, 50, first[^1].EventTime, first[^1].Seq, 10));
        Assert.Equal(["b2", "c"], rest.Select(e => e.EventId).ToArray());
    }

    [Fact]
    public async Task Expired_archive_entries_are_listed_by_when_they_were_archived()
    {
        await Store.WriteAsync(w => { w.ArchiveEntryInsert("x", "old", 0, "old.json", "{}"); return 0; });
        Time.Advance(TimeSpan.FromDays(2));
        await Store.WriteAsync(w => { w.ArchiveEntryInsert("x", "new", 0, "new.json", "{}"); return 0; });
        var expired = Store.Read(r => r.ArchiveEntryListArchivedBefore("x", Time.GetUtcNow().AddDays(-1).ToUnixTimeMilliseconds(), 10));
        Assert.Equal("old.json", Assert.Single(expired).Path);
        await Store.WriteAsync(w => { w.ArchiveEntryDelete(expired[0].Seq); return 0; });
        Assert.Equal(1, Store.Read(r => r.ArchiveStats("x")).EventCount);
    }

    [Fact]
    public async Task A_replay_advances_only_from_where_it_was_read_and_only_while_running()
    {
        var replay = new Replay { Archive = "a", From = DateTimeOffset.UnixEpoch, To = DateTimeOffset.UnixEpoch.AddDays(1) };
        Assert.True(await Store.WriteAsync(w => w.ReplayInsert("r", replay)));
        Assert.False(await Store.WriteAsync(w => w.ReplayInsert("r", replay)), "the name is taken");
        Assert.True(await Store.WriteAsync(w => w.ReplayAdvance("r", null, 2, 500, 500, 7)));
        Assert.False(await Store.WriteAsync(w => w.ReplayAdvance("r", null, 2, 500, 500, 7)), "that batch was replayed already");
        Assert.True(await Store.WriteAsync(w => w.ReplayAdvance("r", 7, 0, null, 550, 9)));
        Assert.True(await Store.WriteAsync(w => w.ReplayEnd("r", ReplayStates.Cancelled, "stop")));
        Assert.False(await Store.WriteAsync(w => w.ReplayAdvance("r", 9, 1, 600, 600, 10)));
        Assert.False(await Store.WriteAsync(w => w.ReplayEnd("r", ReplayStates.Completed, null)));
        var stored = Store.Read(r => r.ReplayGet("r"))!;
        Assert.Equal((ReplayStates.Cancelled, 2L, 500L, 9L, "stop"), (stored.State, stored.EventsReplayed, stored.LastEventTime!.Value, stored.PositionSeq!.Value, stored.Reason));
        Assert.Empty(Store.Read(r => r.ReplayListInState(ReplayStates.Running)));
    }

    [Fact]
    public async Task An_alarm_changes_state_only_from_the_state_it_was_read_in_and_keeps_its_newest_history()
    {
        var alarm = new Alarm { Source = "queue", Resource = "q", Metric = "depth", Comparison = AlarmComparison.GreaterThan, Threshold = 1 };
        await Store.WriteAsync(w => { w.AlarmUpsert("al", alarm, "api"); return 0; });
        Assert.Equal(AlarmStates.InsufficientData, Store.Read(r => r.AlarmGet("al"))!.State);
        Assert.True(await Store.WriteAsync(w => w.AlarmSetState("al", AlarmStates.InsufficientData, AlarmStates.Ok, 0, "fine", keepHistory: 2)));
        Assert.False(await Store.WriteAsync(w => w.AlarmSetState("al", AlarmStates.InsufficientData, AlarmStates.Alarm, 5, "stale", keepHistory: 2)));
        Assert.True(await Store.WriteAsync(w => w.AlarmSetState("al", AlarmStates.Ok, AlarmStates.Alarm, 5, "high", keepHistory: 2)));
        Assert.True(await Store.WriteAsync(w => w.AlarmSetState("al", AlarmStates.Alarm, AlarmStates.Ok, 0, "low", keepHistory: 2)));
        await Store.WriteAsync(w => { w.AlarmUpsert("al", alarm with { Threshold = 2 }, "api"); return 0; });
        var stored = Store.Read(r => r.AlarmGet("al"))!;
        Assert.Equal((AlarmStates.Ok, 2.0), (stored.State, stored.Alarm.Threshold));
        Assert.Equal(["low", "high"], Store.Read(r => r.AlarmHistoryList("al", 10)).Select(h => h.Reason).ToArray());
    }

    [Fact]
    public async Task Deleting_a_topic_deletes_its_subscriptions()
    {
        var subscription = new Subscription { Protocol = "queue", Endpoint = "q", FilterPolicy = new JsonObject { ["a"] = new JsonArray("b") } };
        await Store.WriteAsync(w => { w.TopicUpsert("t", new TopicAttributes()); w.SubscriptionInsert("s1", "t", subscription); return 0; });
        Assert.Equal(1, Store.Read(r => r.SubscriptionCount("t")));
        Assert.Equal("""{"a":["b"]}""", Store.Read(r => r.SubscriptionGet("t", "s1"))!.Subscription.FilterPolicy!.ToJsonString());
        Assert.True(await Store.WriteAsync(w => w.TopicDelete("t")));
        Assert.Empty(Store.Read(r => r.SubscriptionListAll()));
    }
}
