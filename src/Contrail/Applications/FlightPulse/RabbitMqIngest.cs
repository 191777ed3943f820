using System.Text;
using System.Text.Json;
using Contrail.Events;
using Contrail.Observability;
using Contrail.Storage;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Contrail.Applications.FlightPulse;

/// <summary>Settings <c>Ingest:RabbitMq:*</c>. Off unless <see cref="Uri"/> and <see cref="Queue"/> are set.</summary>
public sealed class RabbitMqIngestOptions
{
    /// <summary><c>amqp://user:password@host:5672/vhost</c>; never logged (it may hold a password).</summary>
    public string? Uri { get; set; }

    public string? Queue { get; set; }

    /// <summary>Where invalid messages go, with the reason in the <c>x-contrail-reason</c> header; default <c>{Queue}.dlq</c>.</summary>
    public string? DeadLetterQueue { get; set; }

    /// <summary>Unacknowledged messages in flight (and handlers at once).</summary>
    public ushort Prefetch { get; set; } = 64;

    public bool Enabled => !string.IsNullOrEmpty(Uri) && !string.IsNullOrEmpty(Queue);
}

/// <summary>
/// The stream source the original took from Kafka (topic <c>flight-operations</c>): FlightPulse envelopes
/// consumed from a RabbitMQ queue. Each message is validated and accepted exactly as on <c>POST /events</c>,
/// then acknowledged only after the commit; a redelivery after a crash is a duplicate of its
/// <c>event_id</c> and is processed once. A message that can never be accepted is published to the
/// dead-letter queue with the reason and acknowledged.
/// </summary>
public sealed class RabbitMqIngest(RabbitMqIngestOptions options, EventIngest ingest, FlightPulseMetrics metrics, TimeProvider time, ILogger<RabbitMqIngest> logger)
    : BackgroundService
{
    public const string ReasonHeader = "x-contrail-reason";

    private string DeadLetterQueue => options.DeadLetterQueue ?? options.Queue + ".dlq";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ConsumeAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                logger.LogWarning("RabbitMQ ingest from queue {Queue} is not connected ({Error}); retrying in 5 s", options.Queue, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ConsumeAsync(CancellationToken ct)
    {
        var factory = new ConnectionFactory
        {
            Uri = new Uri(options.Uri!),
            AutomaticRecoveryEnabled = true,
            ConsumerDispatchConcurrency = options.Prefetch,
            ClientProvidedName = "contrail-flightpulse-ingest",
        };
        await using var connection = await factory.CreateConnectionAsync(ct).ConfigureAwait(false);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct).ConfigureAwait(false);
        await channel.QueueDeclareAsync(options.Queue!, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct).ConfigureAwait(false);
        await channel.QueueDeclareAsync(DeadLetterQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct).ConfigureAwait(false);
        await channel.BasicQosAsync(0, options.Prefetch, false, ct).ConfigureAwait(false);

        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, args) =>
        {
            if (args.Initiator != ShutdownInitiator.Application) logger.LogWarning("RabbitMQ connection closed: {Reason}", args.ReplyText);
            return Task.CompletedTask;
        };
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => HandleAsync(channel, delivery, ct);
        await channel.BasicConsumeAsync(options.Queue!, autoAck: false, consumer, ct).ConfigureAwait(false);
        logger.LogInformation("Consuming FlightPulse events from RabbitMQ queue {Queue} (invalid messages to {DeadLetterQueue})", options.Queue, DeadLetterQueue);
        await using (ct.Register(() => closed.TrySetCanceled(ct)))
            await closed.Task.ConfigureAwait(false);
    }

    private async Task HandleAsync(IChannel channel, BasicDeliverEventArgs delivery, CancellationToken ct)
    {
        var reason = await TryIngestAsync(delivery.Body, ct).ConfigureAwait(false);
        if (reason is null)
        {
            await channel.BasicAckAsync(delivery.DeliveryTag, false, ct).ConfigureAwait(false);
            return;
        }
        metrics.ProcessingError("invalid_message");
        logger.LogWarning("RabbitMQ message {DeliveryTag} from {Queue} dead-lettered: {Reason}", delivery.DeliveryTag, options.Queue, reason);
        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = "application/json",
            Headers = new Dictionary<string, object?> { [ReasonHeader] = Encoding.UTF8.GetBytes(reason), ["x-contrail-source-queue"] = Encoding.UTF8.GetBytes(options.Queue!) },
        };
        await channel.BasicPublishAsync("", DeadLetterQueue, mandatory: false, properties, delivery.Body, ct).ConfigureAwait(false);
        await channel.BasicAckAsync(delivery.DeliveryTag, false, ct).ConfigureAwait(false);
    }

    /// <summary>Null when the message is accepted (or was before); otherwise why it can never be.</summary>
    private async Task<string?> TryIngestAsync(ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            return "the message is not JSON: " + ex.Message;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event_type", out _))
                return "the message is not a FlightPulse event: a JSON object with event_id, event_type, timestamp, source and payload";
            while (true)
            {
                try
                {
                    var outcome = await ingest.IngestAsync(root, null, new IngestContext(time.GetUtcNow(), ContrailTelemetry.CurrentTraceparent()), ct).ConfigureAwait(false);
                    return outcome.Status switch
                    {
                        IngestStatus.Accepted or IngestStatus.Duplicate => null,
                        IngestStatus.Conflict => $"event_id '{outcome.EventId}' was already used with a different body",
                        _ => string.Join("; ", outcome.Errors.Select(e => $"{e.Pointer}: {e.Detail}")),
                    };
                }
                catch (StoreSaturatedException)
                {
                    // The broker keeps the message meanwhile: wait for the write path instead of refusing it.
                    await Task.Delay(TimeSpan.FromMilliseconds(100), time, ct).ConfigureAwait(false);
                }
            }
        }
    }
}
