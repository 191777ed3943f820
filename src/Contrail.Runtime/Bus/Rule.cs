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

    /// <summary>queue, topic, workflow, destination or log.</summary>
    public required string Type { get; init; }

    /// <summary>The queue, topic, workflow, destination or log group.</summary>
    public required string Name { get; init; }
}

/// <summary>A rule as stored, with where it came from: the API, a configuration file, or an application.</summary>
public sealed record StoredRule(Rule Rule, string Origin, long CreatedAt, long UpdatedAt);
