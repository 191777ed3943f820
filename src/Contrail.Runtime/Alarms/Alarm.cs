using Contrail.Events;

namespace Contrail.Alarms;

/// <summary>
/// A threshold on one metric of one resource (CloudWatch's metric alarm): <see cref="Metric"/> of
/// <see cref="Resource"/> from the metric source <see cref="Source"/> (queue, rule_target, and whatever
/// else registers an <see cref="AlarmMetricSource"/>) compared with <see cref="Threshold"/>. The state
/// changes once the new state's condition held for <see cref="EvaluationPeriods"/> evaluations in a row.
/// </summary>
public sealed record Alarm
{
    public string? Description { get; init; }
    public required string Source { get; init; }
    public required string Resource { get; init; }
    public required string Metric { get; init; }
    /// <summary><see cref="AlarmComparison"/>: greater_than, greater_than_or_equal, less_than or less_than_or_equal.</summary>
    public required string Comparison { get; init; }
    public required double Threshold { get; init; }

    /// <summary>The window that rate metrics (errors, error_rate) count over: 10 s to 1 hour.</summary>
    public int PeriodSeconds { get; init; } = 60;

    /// <summary>Evaluations in a row a state's condition must hold before the alarm enters it: 1 to 100.</summary>
    public int EvaluationPeriods { get; init; } = 1;

    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public const string NameRule = "an alarm name is 1-128 letters, digits, '-', '_' or '.'";

    /// <summary>Every problem with this alarm, given the registered metric sources.</summary>
    public List<FieldError> Problems(IReadOnlyDictionary<string, AlarmMetricSource> sources)
    {
        var errors = new List<FieldError>();
        if (Description is { Length: > 512 }) errors.Add(new("/description", "must be at most 512 characters"));
        if (!sources.TryGetValue(Source ?? "", out var source))
            errors.Add(new("/source", $"unknown metric source '{Source}'; registered: {string.Join(", ", sources.Keys.Order(StringComparer.Ordinal))}"));
        else if (!source.Metrics.Contains(Metric))
            errors.Add(new("/metric", $"'{Metric}' is not a metric of {Source}; it has {string.Join(", ", source.Metrics)}"));
        if (string.IsNullOrEmpty(Resource) || Resource.Length > 256) errors.Add(new("/resource", "must be 1-256 characters: the queue name, or 'rule/target' for a rule target"));
        if (!AlarmComparison.All.Contains(Comparison)) errors.Add(new("/comparison", $"must be one of {string.Join(", ", AlarmComparison.All)}"));
        if (!double.IsFinite(Threshold)) errors.Add(new("/threshold", "must be a finite number"));
        if (PeriodSeconds is < 10 or > 3600) errors.Add(new("/period_seconds", "must be between 10 and 3600"));
        if (EvaluationPeriods is < 1 or > 100) errors.Add(new("/evaluation_periods", "must be between 1 and 100"));
        return errors;
    }

    public bool Breaches(double value) => Comparison switch
    {
        AlarmComparison.GreaterThan => value > Threshold,
        AlarmComparison.GreaterThanOrEqual => value >= Threshold,
        AlarmComparison.LessThan => value < Threshold,
        _ => value <= Threshold,
    };
}

/// <summary>CloudWatch's comparison operators, in snake_case.</summary>
public static class AlarmComparison
{
    public const string GreaterThan = "greater_than";
    public const string GreaterThanOrEqual = "greater_than_or_equal";
    public const string LessThan = "less_than";
    public const string LessThanOrEqual = "less_than_or_equal";

    public static readonly IReadOnlyList<string> All = [GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual];

    public static string Symbol(string comparison) => comparison switch
    {
        GreaterThan => ">",
        GreaterThanOrEqual => ">=",
        LessThan => "<",
        _ => "<=",
    };
}

/// <summary>CloudWatch's alarm states.</summary>
public static class AlarmStates
{
    public const string Ok = "OK";
    public const string Alarm = "ALARM";
    public const string InsufficientData = "INSUFFICIENT_DATA";
}

public sealed record StoredAlarm(
    string Name,
    Alarm Alarm,
    string Origin,
    string State,
    double? StateValue,
    string? StateReason,
    long StateChangedAt,
    long CreatedAt,
    long UpdatedAt);

/// <summary>One state change of an alarm.</summary>
public sealed record AlarmTransition(long At, string OldState, string NewState, double? Value, string Reason);

/// <summary>What a metric source is asked: one metric of one resource, over a period for rate metrics.</summary>
public sealed record MetricQuery(string Resource, string Metric, TimeSpan Period, Storage.StoreReader Reader);

/// <summary>
/// A source of metrics for alarms, registered in DI (queue and rule_target here; destinations add their
/// own). <see cref="Read"/> answers null when there is no data (no such resource).
/// </summary>
public sealed record AlarmMetricSource(string Source, IReadOnlyList<string> Metrics, Func<MetricQuery, double?> Read);
