using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Contrail.Observability;

/// <summary>
/// Contrail's ActivitySource and Meter. A W3C traceparent is stored with every event and message, and each
/// handler continues it, so one trace follows an event from ingest through rules and queues.
/// </summary>
public static class ContrailTelemetry
{
    public const string Name = "Contrail";

    public static ActivitySource Source { get; } = new(Name);

    public static Meter Meter { get; } = new(Name);

    /// <summary>Starts a consumer span whose parent is the stored traceparent, when there is one.</summary>
    public static Activity? StartConsumer(string name, string? traceparent) =>
        traceparent is not null && ActivityContext.TryParse(traceparent, null, out var parent)
            ? Source.StartActivity(name, ActivityKind.Consumer, parent)
            : Source.StartActivity(name, ActivityKind.Consumer);

    /// <summary>The current trace as a W3C traceparent, or a new one when no trace is running.</summary>
    public static string CurrentTraceparent()
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current) return current.Id!;
        return $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";
    }

    /// <summary>
    /// Makes activities exist (and so trace ids reach logs and stored events) even without an exporter:
    /// without a listener, ActivitySource.StartActivity returns null.
    /// </summary>
    public static IDisposable Listen()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is Name or "Microsoft.AspNetCore",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
