using System.Text.Json.Nodes;

namespace Contrail.Archives;

/// <summary>
/// A replay (EventBridge's StartReplay): the events of <see cref="Archive"/> whose event time is in
/// [<see cref="From"/>, <see cref="To"/>), optionally only those matching <see cref="EventPattern"/>, are
/// published again, marked with <c>replay-name</c>, to the whole bus or only to <see cref="Rules"/>.
/// </summary>
public sealed record Replay
{
    public required string Archive { get; init; }
    public required DateTimeOffset From { get; init; }
    public required DateTimeOffset To { get; init; }
    public JsonObject? EventPattern { get; init; }

    /// <summary>Only these rules route the replayed events; null for every rule on the bus.</summary>
    public IReadOnlyList<string>? Rules { get; init; }

    public string? Description { get; init; }

    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public const string NameRule = "a replay name is 1-64 letters, digits, '-', '_' or '.'";
}

/// <summary>EventBridge's replay states that Contrail uses: a replay is RUNNING until it ends in one of the others.</summary>
public static class ReplayStates
{
    public const string Running = "RUNNING";
    public const string Completed = "COMPLETED";
    public const string Cancelled = "CANCELLED";
    public const string Failed = "FAILED";
}

/// <summary>A replay as stored, with its progress.</summary>
public sealed record StoredReplay(
    string Name,
    Replay Replay,
    string State,
    long EventsReplayed,
    long? LastEventTime,
    long? PositionTime,
    long? PositionSeq,
    string? Reason,
    long CreatedAt,
    long UpdatedAt,
    long? EndedAt);
