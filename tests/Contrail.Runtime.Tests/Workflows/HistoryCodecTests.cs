using Contrail.Workflows;
using Contrail.Workflows.Asl;

namespace Contrail.Tests.Workflows;

/// <summary>The stored history format: what is written is read back event for event, across chunks.</summary>
public sealed class HistoryCodecTests
{
    [Fact]
    public void Events_round_trip_with_shared_payloads_gaps_in_previous_ids_and_several_chunks()
    {
        var shared = AslValue.Parse("""{"booking":"B1","seats":2,"note":"ünïcode ✓"}""");
        var big = AslValue.Parse("[" + string.Join(",", Enumerable.Range(0, 4000).Select(i => $"{{\"n\":{i}}}")) + "]");
        var start = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
        var events = new List<HistoryEvent>();
        for (var i = 1; i <= 300; i++)
        {
            events.Add(new HistoryEvent
            {
                Id = i,
                PreviousEventId = i % 7 == 0 ? i - 3 : i - 1,
                Timestamp = start.AddMilliseconds(i / 10),
                Type = i % 2 == 0 ? "TaskStateEntered" : "LambdaFunctionFailed",
                Name = i % 3 == 0 ? null : "State" + i,
                Input = i % 2 == 0 ? shared : null,
                Output = i % 50 == 0 ? big : i % 5 == 0 ? shared : null,
                Error = i % 2 == 1 ? "Err" : null,
                Cause = i % 2 == 1 ? "cause " + i : null,
                Index = i % 4 == 0 ? i : null,
                TimeoutInSeconds = i % 11 == 0 ? 30 : null,
                AssignedVariables = i % 13 == 0 ? (AslObject)AslValue.Parse("""{"x":1}""") : null,
            });
        }
        var chunks = new List<(long First, long Last, byte[] Bytes)>();
        new HistoryCodec().Encode(events, (first, last, bytes) => chunks.Add((first, last, bytes)));

        Assert.True(chunks.Count > 1, "the large payloads spread the events over several chunks");
        Assert.All(chunks, c => Assert.True(c.Bytes.Length < 85_000, $"chunk of {c.Bytes.Length} bytes"));
        Assert.Equal(1, chunks[0].First);
        Assert.Equal(300, chunks[^1].Last);
        var decoded = chunks.SelectMany(c => HistoryCodec.Decode(c.Bytes)).ToList();
        Assert.Equal(events.Count, decoded.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var (a, b) = (events[i], decoded[i]);
            Assert.Equal(a.ToAwsJson().ToJsonString(), b.ToAwsJson().ToJsonString());
            Assert.Equal(a.PreviousEventId, b.PreviousEventId);
            Assert.Equal(a.Timestamp, b.Timestamp);
        }
    }
}
