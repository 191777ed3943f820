using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Contrail.Bus;
using Contrail.Events;
using Contrail.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contrail.Alarms;

/// <summary>Settings of alarms (<c>Alarms:*</c>).</summary>
public sealed class AlarmOptions
{
    /// <summary>How often every alarm is evaluated.</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Alarm definition files loaded at start-up, besides <c>{DataDir}/alarms/*.json</c>.</summary>
    public List<string> Files { get; set; } = [];

    /// <summary>State changes kept per alarm.</summary>
    public int HistoryLimit { get; set; } = 100;
}

/// <summary>
/// Evaluates every alarm periodically. A state change is committed together with its history row and, on
/// entering or leaving ALARM, an <c>alarm.raised</c> / <c>alarm.cleared</c> event (source <c>contrail.alarms</c>)
/// published on the bus, so rules route alarms like any other event. Consecutive counts toward
/// <see cref="Alarm.EvaluationPeriods"/> are kept in memory and start again after a restart.
/// </summary>
public sealed class AlarmEvaluator : BackgroundService
{
    public const string EventSource = "contrail.alarms";
    public const string RaisedType = "alarm.raised";
    public const string ClearedType = "alarm.cleared";

    private readonly Store _store;
    private readonly EventBus _bus;
    private readonly Dictionary<string, AlarmMetricSource> _sources;
    private readonly AlarmOptions _options;
    private readonly ILogger<AlarmEvaluator> _logger;
    private readonly ConcurrentDictionary<string, (string State, int Count)> _streaks = new(StringComparer.Ordinal);

    public AlarmEvaluator(Store store, EventBus bus, IEnumerable<AlarmMetricSource> sources, IOptions<AlarmOptions> options, ILogger<AlarmEvaluator> logger)
    {
        _store = store;
        _bus = bus;
        _sources = sources.ToDictionary(s => s.Source, StringComparer.Ordinal);
        _options = options.Value;
        _logger = logger;
    }

    public IReadOnlyDictionary<string, AlarmMetricSource> Sources => _sources;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.EvaluationInterval, _store.Time);
        do
        {
            try { await EvaluateAllAsync(stoppingToken); }
            catch (Exception ex) when (ex is not OperationCanceledException) { _logger.LogError(ex, "Alarm evaluation failed"); }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task EvaluateAllAsync(CancellationToken ct)
    {
        var alarms = _store.Read(r => r.AlarmListAll());
        foreach (var stale in _streaks.Keys.Except(alarms.Select(a => a.Name))) _streaks.TryRemove(stale, out _);
        foreach (var alarm in alarms) await EvaluateAsync(alarm, ct);
    }

    private async Task EvaluateAsync(StoredAlarm stored, CancellationToken ct)
    {
        var alarm = stored.Alarm;
        double? value = _sources.TryGetValue(alarm.Source, out var source)
            ? _store.Read(r => source.Read(new MetricQuery(alarm.Resource, alarm.Metric, TimeSpan.FromSeconds(alarm.PeriodSeconds), r)))
            : null;
        var state = value is not { } v ? AlarmStates.InsufficientData : alarm.Breaches(v) ? AlarmStates.Alarm : AlarmStates.Ok;
        var streak = _streaks.AddOrUpdate(stored.Name, (state, 1), (_, previous) => previous.State == state ? (state, previous.Count + 1) : (state, 1));
        if (state == stored.State || streak.Count < alarm.EvaluationPeriods) return;

        var reason = value is { } observed
            ? string.Create(CultureInfo.InvariantCulture, $"{alarm.Metric} of {alarm.Source} '{alarm.Resource}' was {observed:0.###} ({(state == AlarmStates.Alarm ? "" : "not ")}{AlarmComparison.Symbol(alarm.Comparison)} {alarm.Threshold:0.###}) for {streak.Count} evaluation(s)")
            : $"no data for {alarm.Metric} of {alarm.Source} '{alarm.Resource}'";
        var changed = await _store.WriteAsync(w =>
        {
            if (!w.AlarmSetState(stored.Name, stored.State, state, value, reason, _options.HistoryLimit)) return false;
            if (state == AlarmStates.Alarm || stored.State == AlarmStates.Alarm)
                _bus.Publish(w, AlarmEvent(stored, state, value, reason, DateTimeOffset.FromUnixTimeMilliseconds(w.NowMs)));
            return true;
        }, ct: ct);
        if (changed)
            _logger.Log(state == AlarmStates.Alarm ? LogLevel.Warning : LogLevel.Information,
                "Alarm {Alarm} went from {OldState} to {NewState}: {Reason}", stored.Name, stored.State, state, reason);
    }

    private static EventEnvelope AlarmEvent(StoredAlarm stored, string state, double? value, string reason, DateTimeOffset now)
    {
        var alarm = stored.Alarm;
        return new EventEnvelope
        {
            Id = EventIds.New(),
            Source = EventSource,
            DetailType = state == AlarmStates.Alarm ? RaisedType : ClearedType,
            Time = now,
            Resources = [$"contrail:alarm/{stored.Name}"],
            Traceparent = Observability.ContrailTelemetry.CurrentTraceparent(),
            Detail = new JsonObject
            {
                ["alarm"] = stored.Name,
                ["description"] = alarm.Description,
                ["source"] = alarm.Source,
                ["resource"] = alarm.Resource,
                ["metric"] = alarm.Metric,
                ["comparison"] = alarm.Comparison,
                ["threshold"] = alarm.Threshold,
                ["value"] = value,
                ["previous_state"] = stored.State,
                ["state"] = state,
                ["reason"] = reason,
            },
        };
    }
}
