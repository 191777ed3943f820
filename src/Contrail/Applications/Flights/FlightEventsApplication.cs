using System.Text.Json;
using System.Text.Json.Nodes;
using Contrail.Bus;
using Contrail.Events;
using Contrail.Hosting;
using Contrail.Queues;
using Microsoft.Extensions.Logging;

namespace Contrail.Applications.Flights;

/// <summary>
/// Seed 000, the flight-events system: <c>flight.created</c> and <c>flight.updated</c> events update the
/// flight record (the persist rule), and <c>flight.updated</c> also goes to a worker queue whose handler
/// logs one structured line per message (the async rule). Events arrive in the seed's format
/// <c>{type, source?, data:{flightId, destination?, status?, gate?}}</c> or as native envelopes.
/// </summary>
public static class FlightEventsApplication
{
    public const string PersistQueue = "flight-events-persist";
    public const string WorkerQueue = "flight-events-downstream-queue";

    public static IServiceCollection AddFlightEvents(this IServiceCollection services)
    {
        services.AddSingleton(Seed000EventFormat.Format);
        services.AddQueue(PersistQueue);
        services.AddQueue(WorkerQueue, new QueueAttributes { VisibilityTimeoutSeconds = 30 });
        services.AddRule(new Rule
        {
            Name = "flight-events-persist-rule",
            Description = "Flight events update the flight record",
            EventPattern = new JsonObject { ["detail-type"] = new JsonArray("flight.created", "flight.updated") },
            Targets = [new RuleTarget { Id = "persist", Type = "queue", Name = PersistQueue }],
        });
        services.AddRule(new Rule
        {
            Name = "flight-events-async-rule",
            Description = "Flight updates go to the downstream worker",
            EventPattern = new JsonObject { ["detail-type"] = new JsonArray("flight.updated") },
            Targets = [new RuleTarget { Id = "worker", Type = "queue", Name = WorkerQueue }],
        });
        services.AddQueueConsumer(_ => new QueueConsumerRegistration(PersistQueue, null, Persist) { Concurrency = 16, Prefetch = 64 });
        services.AddQueueConsumer(sp =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Contrail.Applications.Flights.Worker");
            return new QueueConsumerRegistration(WorkerQueue, (message, _) => Work(logger, message), null) { Concurrency = 8, Prefetch = 8 };
        });
        return services;
    }

    /// <summary>Applies a flight event to the flight record; runs in the transaction that acks the message.</summary>
    private static void Persist(Storage.StoreWriter writer, QueueMessage message)
    {
        var envelope = EventEnvelope.Parse(message.Body);
        var detail = envelope.Detail;
        var flightId = FlightId(detail["flight_id"] ?? detail["flightId"]);
        if (flightId is null) throw new DeadLetterException("missing flightId: the event's detail has no flight_id or flightId");
        var fields = new JsonObject();
        foreach (var name in FlightRecords.Fields)
            if (detail.TryGetPropertyValue(name, out var value)) fields[name] = value?.DeepClone();
        FlightRecords.Apply(writer, flightId, fields, envelope.Time, envelope.Id, envelope.DetailType);
    }

    /// <summary>The downstream worker: one structured log line per message.</summary>
    private static ValueTask Work(ILogger logger, QueueMessage message)
    {
        var envelope = EventEnvelope.Parse(message.Body);
        logger.LogInformation("Processed {DetailType} for flight {FlightId} (event {EventId})",
            envelope.DetailType, FlightId(envelope.Detail["flight_id"] ?? envelope.Detail["flightId"]), envelope.Id);
        return ValueTask.CompletedTask;
    }

    private static string? FlightId(JsonNode? node) => node switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.String => (string?)value is { Length: > 0 } s ? s : null,
        JsonValue value when value.GetValueKind() == JsonValueKind.Number => value.ToJsonString(),
        _ => null,
    };
}
