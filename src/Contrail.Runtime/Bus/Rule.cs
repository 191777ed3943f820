using System.Text.Json.Nodes;

namespace Contrail.Bus;

/// <summary>An EventBridge rule: events matching <see cref="EventPattern"/> go to each of <see cref="Targets"/>.</summary>
public sealed record Rule
{
    public const string Enabled = "ENABLED";
    public const string Disabled = "DISABLED";

    public required string Name { get; init; }
    public string? Description { get; init; }
    public required JsonObject EventPattern { get; init; }
    public string State { get; init; } = Enabled;
    public IReadOnlyList<RuleTarget> Targets { get; init; } = [];
}

/// <summary>Where a rule sends a matching event, and how.</summary>
public sealed record RuleTarget
{
    /// <summary>Unique within the rule.</summary>
    public required string Id { get; init; }

    /// <summary>A registered <see cref="TargetKind"/>: queue, topic, log, and whatever else is registered.</summary>
    public required string Type { get; init; }

    /// <summary>The queue, topic, log group, ... of that kind.</summary>
    public required string Name { get; init; }

    /// <summary>A constant JSON value sent instead of the event (EventBridge's Input).</summary>
    public JsonNode? Input { get; init; }

    /// <summary>The part of the event to send, e.g. <c>$.detail</c> (EventBridge's InputPath).</summary>
    public string? InputPath { get; init; }

    /// <summary>Values picked from the event and put into a template (EventBridge's InputTransformer).</summary>
    public InputTransformer? InputTransformer { get; init; }

    /// <summary>How long an asynchronous target is retried; null for EventBridge's defaults (185 attempts, 24 hours).</summary>
    public RetryPolicy? RetryPolicy { get; init; }

    /// <summary>The queue that receives events this target could not take.</summary>
    public string? DeadLetterQueue { get; init; }
}

/// <summary>EventBridge's InputTransformer: <c>&lt;name&gt;</c> placeholders in the template take values picked by JSON paths.</summary>
public sealed record InputTransformer
{
    public Dictionary<string, string>? InputPathsMap { get; init; }
    public required string InputTemplate { get; init; }
}

/// <summary>EventBridge's RetryPolicy: a failed delivery is retried with backoff until either limit is reached.</summary>
public sealed record RetryPolicy
{
    public const int DefaultAttempts = 185;
    public const int DefaultEventAgeSeconds = 86_400;

    /// <summary>Retries after the first attempt: 0 to 185.</summary>
    public int MaximumRetryAttempts { get; init; } = DefaultAttempts;

    /// <summary>How long after the event was accepted retries may go on: 60 to 86400 seconds.</summary>
    public int MaximumEventAgeInSeconds { get; init; } = DefaultEventAgeSeconds;
}

/// <summary>A rule as stored, with where it came from: the API, a configuration file, or an application.</summary>
public sealed record StoredRule(Rule Rule, string Origin, long CreatedAt, long UpdatedAt);

/// <summary>Who owns a rule (or alarm, archive): only <see cref="Api"/> ones can be changed through the API.</summary>
public static class Origins
{
    public const string Api = "api";

    /// <summary>Declared in a configuration file; rewritten from the files at every start.</summary>
    public const string Config = "config";

    /// <summary>Declared by an application in code; rewritten at every start.</summary>
    public const string Application = "application";
}
