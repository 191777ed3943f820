namespace Contrail.Events;

/// <summary>An accepted event as stored: its envelope JSON, the rules it matched, when it arrived.</summary>
public sealed record StoredEvent(long Seq, string Id, string Body, IReadOnlyList<string> MatchedRules, long ReceivedAt, string? ReplayName);
