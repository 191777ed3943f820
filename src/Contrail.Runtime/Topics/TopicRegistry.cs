using System.Text;
using System.Text.Json;
using Contrail.Bus;
using Contrail.Events;
using Contrail.Patterns;
using Contrail.Queues;
using Contrail.Storage;
using Microsoft.Extensions.Logging;

namespace Contrail.Topics;

/// <summary>Delivers one notification in the publishing transaction; returns null, or why the endpoint could not take it.</summary>
public delegate string? NotificationDelivery(StoreWriter writer, in TopicDelivery delivery);

/// <summary>
/// One subscription protocol, registered in DI like target kinds (<c>queue</c> here; a <c>destination</c>
/// protocol is added by registering another). A protocol whose effect is outside the store can owe the
/// delivery in the transaction (an outbox message) and do the work after the commit.
/// </summary>
public sealed record SubscriptionProtocol(string Name, NotificationDelivery Deliver, Func<string, string?> ValidateEndpoint);

/// <summary>One notification on its way to one subscription: <see cref="Body"/> is the envelope, or the raw text.</summary>
public readonly record struct TopicDelivery(string Topic, string SubscriptionId, Subscription Subscription, TopicMessage Message, string Body, Dictionary<string, string> Headers);

/// <summary>What publishing did.</summary>
public sealed record TopicPublishResult(string MessageId, int MatchedSubscriptions);

/// <summary>
/// The topics and their subscriptions with compiled filter policies, as an immutable snapshot rebuilt and
/// swapped after every change. Publishing fans out to every matching subscription in the caller's transaction.
/// </summary>
public sealed class TopicRegistry
{
    private readonly Store _store;
    private readonly Dictionary<string, SubscriptionProtocol> _protocols;
    private readonly ILogger<TopicRegistry> _logger;
    private readonly Lock _reload = new();
    private volatile Dictionary<string, RoutedSubscription[]> _topics = new(StringComparer.Ordinal);

    public TopicRegistry(Store store, IEnumerable<SubscriptionProtocol> protocols, ILogger<TopicRegistry> logger)
    {
        _store = store;
        _protocols = protocols.ToDictionary(p => p.Name, StringComparer.Ordinal);
        _logger = logger;
    }

    public IReadOnlyDictionary<string, SubscriptionProtocol> Protocols => _protocols;

    public bool Exists(string topic) => _topics.ContainsKey(topic);

    public void Reload()
    {
        lock (_reload)
        {
            var (topics, subscriptions) = _store.Read(r => (r.TopicListAll(), r.SubscriptionListAll()));
            var byTopic = topics.ToDictionary(t => t.Name, _ => new List<RoutedSubscription>(), StringComparer.Ordinal);
            foreach (var stored in subscriptions)
            {
                if (!byTopic.TryGetValue(stored.Topic, out var list)) continue;
                CompiledPattern? filter = null;
                if (stored.Subscription.FilterPolicy is { } policy && !PatternCompiler.TryCompile(policy.ToJsonString(), out filter, out var error))
                {
                    _logger.LogError("Subscription {Subscription} of topic {Topic} has an invalid filter policy and receives nothing: {Reason}", stored.Id, stored.Topic, error.Message);
                    continue;
                }
                list.Add(new RoutedSubscription(stored.Id, stored.Subscription, filter, _protocols.GetValueOrDefault(stored.Subscription.Protocol)));
            }
            _topics = byTopic.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Publishes to <paramref name="topic"/> in the caller's transaction: one delivery per subscription whose
    /// filter policy matches. Null when the topic does not exist.
    /// </summary>
    public TopicPublishResult? Publish(StoreWriter writer, string topic, TopicMessage message)
    {
        if (!_topics.TryGetValue(topic, out var subscriptions)) return null;
        var matched = 0;
        byte[]? attributes = null, body = null;
        string? envelope = null;
        foreach (var subscription in subscriptions)
        {
            if (subscription.Filter is { } filter)
            {
                var scoped = subscription.Subscription.FilterPolicyScope == Subscription.BodyScope
                    ? body ??= Encoding.UTF8.GetBytes(message.Text)
                    : attributes ??= Encoding.UTF8.GetBytes(message.Attributes?.ToJsonString() ?? "{}");
                if (!Matches(filter, scoped)) continue;
            }
            matched++;
            var text = subscription.Subscription.RawMessageDelivery ? message.Text : envelope ??= Envelope(topic, message);
            var headers = message.Headers is null ? new Dictionary<string, string>() : new Dictionary<string, string>(message.Headers);
            headers["topic"] = topic;
            headers["subscription"] = subscription.Id;
            headers["message_id"] = message.MessageId;
            var delivery = new TopicDelivery(topic, subscription.Id, subscription.Subscription, message, text, headers);
            var problem = subscription.Protocol is null
                ? $"subscription protocol '{subscription.Subscription.Protocol}' is not registered in this process"
                : subscription.Protocol.Deliver(writer, delivery);
            if (problem is not null)
                _logger.LogError("Message {MessageId} of topic {Topic} was not delivered to subscription {Subscription}: {Problem}", message.MessageId, topic, subscription.Id, problem);
        }
        return new TopicPublishResult(message.MessageId, matched);
    }

    /// <summary>A filter policy sees only JSON objects: a body that is not one matches nothing.</summary>
    private static bool Matches(CompiledPattern filter, byte[] json)
    {
        try { return filter.Matches(json); }
        catch (JsonException) { return false; }
    }

    /// <summary>The notification a subscriber receives (SNS's envelope, with Contrail's snake_case names).</summary>
    public static string Envelope(string topic, TopicMessage message)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "notification");
            writer.WriteString("message_id", message.MessageId);
            writer.WriteString("topic", topic);
            if (message.Subject is not null) writer.WriteString("subject", message.Subject);
            writer.WriteString("message", message.Text);
            writer.WriteString("timestamp", EventEnvelope.FormatTime(message.Timestamp));
            if (message.Attributes is { Count: > 0 } attributes)
            {
                writer.WritePropertyName("message_attributes");
                attributes.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private sealed record RoutedSubscription(string Id, Subscription Subscription, CompiledPattern? Filter, SubscriptionProtocol? Protocol);
}

/// <summary>The <c>queue</c> subscription protocol: each notification becomes a message on the endpoint queue.</summary>
public static class QueueSubscriptions
{
    public static SubscriptionProtocol Protocol(QueueRegistry queues) => new("queue",
        (writer, in delivery) =>
        {
            if (!queues.Exists(writer, delivery.Subscription.Endpoint)) return $"no queue named '{delivery.Subscription.Endpoint}'";
            writer.MessageSend(delivery.Subscription.Endpoint, new OutgoingMessage(delivery.Body, delivery.Headers, delivery.Message.EventId));
            return null;
        },
        endpoint => QueueAttributes.IsValidName(endpoint) ? null : "must be a queue name: 1-80 letters, digits, '-', '_' or '.'");
}

/// <summary>Rule targets of type <c>topic</c>: the event (or its input) is published to the topic, in the accepting transaction.</summary>
public static class TopicTargets
{
    public static TargetKind Kind(TopicRegistry topics) => TargetKind.InTransaction("topic",
        (writer, in delivery) =>
        {
            var message = new TopicMessage(EventIds.New(), delivery.Input, null, null, DateTimeOffset.FromUnixTimeMilliseconds(writer.NowMs), delivery.Event.Id, delivery.Headers());
            return topics.Publish(writer, delivery.Target.Name, message) is null ? $"no topic named '{delivery.Target.Name}'" : null;
        },
        name => TopicDefinition.IsValidName(name) ? null : TopicDefinition.NameRule);
}
