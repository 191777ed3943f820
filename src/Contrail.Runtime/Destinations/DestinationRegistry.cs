using System.Collections.Concurrent;
using Contrail.Queues;
using Contrail.Storage;

namespace Contrail.Destinations;

/// <summary>A destination ready to call: its definition with the URL, method, secret reference and template parsed once.</summary>
public sealed class Destination
{
    public const string OriginApi = "api";
    public const string OriginApplication = "application";

    private Destination(StoredDestination stored, Uri url, SecretReference? secret, RequestTemplate? template)
    {
        Name = stored.Name;
        Definition = stored.Definition;
        Origin = stored.Origin;
        CreatedAt = stored.CreatedAt;
        UpdatedAt = stored.UpdatedAt;
        Url = url;
        Method = new HttpMethod(stored.Definition.Method);
        Secret = secret;
        Template = template;
    }

    public string Name { get; }
    public DestinationDefinition Definition { get; }
    public string Origin { get; }
    public long CreatedAt { get; }
    public long UpdatedAt { get; }
    public Uri Url { get; }
    public HttpMethod Method { get; }
    public SecretReference? Secret { get; }
    public RequestTemplate? Template { get; }

    /// <summary>The queue its deliveries wait in.</summary>
    public string Queue => DestinationDeliveries.QueueName(Name);

    /// <summary>Compiles a stored (so already validated) definition.</summary>
    public static Destination From(StoredDestination stored)
    {
        var definition = stored.Definition;
        SecretReference? secret = null;
        if (definition.Auth?.Secret is { } text)
            secret = SecretReference.TryParse(text, out var reference, out var error) ? reference : throw new InvalidOperationException(error);
        var problems = new List<Events.FieldError>();
        var template = definition.Template is null ? null : RequestTemplate.Compile(definition.Template, problems);
        if (problems.Count > 0) throw new InvalidOperationException($"Destination '{stored.Name}': {problems[0].Pointer} {problems[0].Detail}");
        return new Destination(stored, new Uri(definition.Url!), secret, template);
    }

    /// <summary>
    /// The delivery queue's attributes follow the destination: its visibility timeout leaves room for a
    /// timed-out call (six times the timeout, at least 30 s, as SQS advises for Lambda), its receive limit is
    /// the retry policy's attempts, and its retention is the destination's.
    /// </summary>
    public static QueueAttributes QueueAttributesFor(DestinationDefinition definition) => new()
    {
        VisibilityTimeoutSeconds = Math.Max(30, (int)Math.Ceiling(definition.TimeoutSeconds * 6)),
        MessageRetentionSeconds = definition.RetentionSeconds,
        MaxReceiveCount = definition.Retry.MaxAttempts,
        RetryBaseSeconds = definition.Retry.BaseDelaySeconds,
        RetryMaxSeconds = definition.Retry.MaxDelaySeconds,
    };
}

/// <summary>
/// How a delivery to a destination is written: one message in the destination's queue, inside the caller's
/// transaction. Rule targets, topic subscriptions and applications all enqueue through here, so accepting
/// the thing that caused the delivery and the delivery itself commit together.
/// </summary>
public static class DestinationDeliveries
{
    public const string QueuePrefix = "destination-";

    /// <summary>The message header that carries the delivery id (also the Idempotency-Key sent with it).</summary>
    public const string DeliveryIdHeader = "delivery_id";

    public static string QueueName(string destination) => QueuePrefix + destination;

    /// <summary>
    /// Enqueues a delivery of <paramref name="body"/> (JSON; the destination's template reads it). The
    /// <paramref name="deliveryId"/> must be stable for the thing delivered (an event id, plus rule and
    /// target, ...): enqueueing the same id twice is a no-op, and an id the target already accepted is
    /// never sent again. False when the delivery was already enqueued.
    /// </summary>
    public static bool Enqueue(StoreWriter writer, string destination, string body, string deliveryId, string? eventId = null,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var all = headers is null ? new Dictionary<string, string>(1) : new Dictionary<string, string>(headers);
        all[DeliveryIdHeader] = deliveryId;
        return writer.MessageSend(QueueName(destination), new OutgoingMessage(body, all, eventId, DedupKey: deliveryId));
    }

    /// <summary>The delivery id of a message in a destination queue (a message sent there by hand gets one from its id).</summary>
    public static string DeliveryIdOf(QueueMessage message) =>
        message.Header(DeliveryIdHeader) ?? "message-" + message.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// The destinations, cached from the store. Writing a destination also writes its delivery queue (and the
/// queue's DLQ); <see cref="Changed"/> tells the dispatcher after the commit.
/// </summary>
public sealed class DestinationRegistry(Store store, QueueRegistry queues)
{
    private readonly ConcurrentDictionary<string, Destination> _destinations = new(StringComparer.Ordinal);

    /// <summary>Raised after a commit that created, changed or deleted the named destination.</summary>
    public event Action<string>? Changed;

    public void Load()
    {
        foreach (var stored in store.Read(r => r.DestinationListAll())) _destinations[stored.Name] = Destination.From(stored);
    }

    public IReadOnlyList<Destination> All => [.. _destinations.Values];

    public bool TryGet(string name, out Destination destination) => _destinations.TryGetValue(name, out destination!);

    /// <summary>Creates or replaces a destination in the caller's transaction; true when created.</summary>
    public bool Upsert(StoreWriter writer, string name, DestinationDefinition definition, string origin)
    {
        var created = writer.DestinationGet(name) is null;
        writer.DestinationUpsert(name, definition, origin);
        queues.Upsert(writer, DestinationDeliveries.QueueName(name), Destination.QueueAttributesFor(definition));
        var stored = writer.DestinationGet(name)!;
        writer.AfterCommit(() =>
        {
            _destinations[name] = Destination.From(stored);
            Changed?.Invoke(name);
        });
        return created;
    }

    /// <summary>
    /// Deletes a destination and its undelivered deliveries, in the caller's transaction. Its dead-letter
    /// queue stays: those are the record of what failed and why.
    /// </summary>
    public bool Delete(StoreWriter writer, string name)
    {
        if (!writer.DestinationDelete(name)) return false;
        queues.Delete(writer, DestinationDeliveries.QueueName(name));
        writer.AfterCommit(() =>
        {
            _destinations.TryRemove(name, out _);
            Changed?.Invoke(name);
        });
        return true;
    }
}
