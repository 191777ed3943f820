using System.Diagnostics.Metrics;

namespace Contrail.Applications.FlightPulse;

/// <summary>
/// FlightPulse's metrics under their original names (meter <c>FlightPulse</c>), through
/// System.Diagnostics.Metrics, so any listener (dotnet-counters, OpenTelemetry) reads them. The same counts
/// are kept as totals for <c>GET /flightpulse/metrics</c>. Every count is added after its effect committed,
/// so a retried or rolled-back step is never counted twice.
/// </summary>
public sealed class FlightPulseMetrics : IDisposable
{
    public const string MeterName = "FlightPulse";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _delay, _cancellation, _gateChange, _sent, _llmSuccess, _llmFailed, _llmFallbacks,
        _workflows, _affected, _errors, _late;
    private readonly Histogram<double> _clock;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _llmFailedByReason = new(StringComparer.Ordinal);
    private long _delayTotal, _cancellationTotal, _gateTotal, _sentTotal, _llmSuccessTotal, _llmFailedTotal, _llmFallbackTotal,
        _workflowTotal, _affectedTotal, _errorTotal, _lateTotal;

    public FlightPulseMetrics()
    {
        _delay = _meter.CreateCounter<long>("DelayEventsProcessed", description: "FLIGHT_DELAY events accepted and categorised");
        _cancellation = _meter.CreateCounter<long>("CancellationEventsProcessed", description: "FLIGHT_CANCELLED events accepted");
        _gateChange = _meter.CreateCounter<long>("GateChangeEventsProcessed", description: "GATE_CHANGE events accepted");
        _sent = _meter.CreateCounter<long>("NotificationsSent", description: "Notifications that went out, once each (by channel)");
        _llmSuccess = _meter.CreateCounter<long>("LLMInvocationsSuccess", description: "LLM answers that parsed and passed the fact check");
        _llmFailed = _meter.CreateCounter<long>("LLMInvocationsFailed", description: "LLM calls that failed: timeout, error, unparsable or wrong facts (by reason)");
        _llmFallbacks = _meter.CreateCounter<long>("LLMFallbacks", description: "Messages made from templates because the LLM failed");
        _workflows = _meter.CreateCounter<long>("WorkflowExecutions", description: "Notification workflows that started (by workflow)");
        _affected = _meter.CreateCounter<long>("AffectedPassengers", description: "Passengers affected by disruptions");
        _errors = _meter.CreateCounter<long>("ProcessingErrors", description: "Invalid broker messages, failed sends and failed workflows");
        _late = _meter.CreateCounter<long>("NotificationsLate", description: "Disruptions with a notification late or missing past the regulatory deadline");
        _clock = _meter.CreateHistogram<double>("RegulatoryClockSeconds", unit: "s",
            description: "From when the airline became aware (the event's timestamp) to when the notification went out; 14 CFR 259.8 allows 1800 s");
    }

    public void EventProcessed(string eventType)
    {
        switch (eventType)
        {
            case OperationalEventFormat.Delay: _delay.Add(1); Interlocked.Increment(ref _delayTotal); break;
            case OperationalEventFormat.Cancelled: _cancellation.Add(1); Interlocked.Increment(ref _cancellationTotal); break;
            default: _gateChange.Add(1); Interlocked.Increment(ref _gateTotal); break;
        }
    }

    public void NotificationSent(string channel, double clockSeconds)
    {
        _sent.Add(1, new KeyValuePair<string, object?>("channel", channel));
        _clock.Record(clockSeconds, new KeyValuePair<string, object?>("channel", channel));
        Interlocked.Increment(ref _sentTotal);
    }

    public void LlmSucceeded() { _llmSuccess.Add(1); Interlocked.Increment(ref _llmSuccessTotal); }

    public void LlmFailed(string reason)
    {
        _llmFailed.Add(1, new KeyValuePair<string, object?>("reason", reason));
        _llmFallbacks.Add(1);
        Interlocked.Increment(ref _llmFailedTotal);
        Interlocked.Increment(ref _llmFallbackTotal);
        _llmFailedByReason.AddOrUpdate(reason, 1, (_, n) => n + 1);
    }

    public void WorkflowStarted(string workflow) { _workflows.Add(1, new KeyValuePair<string, object?>("workflow", workflow)); Interlocked.Increment(ref _workflowTotal); }

    public void PassengersAffected(long count) { _affected.Add(count); Interlocked.Add(ref _affectedTotal, count); }

    public void ProcessingError(string kind) { _errors.Add(1, new KeyValuePair<string, object?>("kind", kind)); Interlocked.Increment(ref _errorTotal); }

    public void NotificationLate() { _late.Add(1); Interlocked.Increment(ref _lateTotal); }

    /// <summary>Totals since this process started; LLM failures also by reason (<c>LLMFailedBytimeout</c>, ...).</summary>
    public Dictionary<string, long> Snapshot()
    {
        var totals = Totals();
        foreach (var (reason, count) in _llmFailedByReason) totals["LLMFailedBy" + reason] = count;
        return totals;
    }

    private Dictionary<string, long> Totals() => new()
    {
        ["DelayEventsProcessed"] = Interlocked.Read(ref _delayTotal),
        ["CancellationEventsProcessed"] = Interlocked.Read(ref _cancellationTotal),
        ["GateChangeEventsProcessed"] = Interlocked.Read(ref _gateTotal),
        ["NotificationsSent"] = Interlocked.Read(ref _sentTotal),
        ["LLMInvocationsSuccess"] = Interlocked.Read(ref _llmSuccessTotal),
        ["LLMInvocationsFailed"] = Interlocked.Read(ref _llmFailedTotal),
        ["LLMFallbacks"] = Interlocked.Read(ref _llmFallbackTotal),
        ["WorkflowExecutions"] = Interlocked.Read(ref _workflowTotal),
        ["AffectedPassengers"] = Interlocked.Read(ref _affectedTotal),
        ["ProcessingErrors"] = Interlocked.Read(ref _errorTotal),
        ["NotificationsLate"] = Interlocked.Read(ref _lateTotal),
    };

    public void Dispose() => _meter.Dispose();
}
