using System.Text.Json.Nodes;

namespace Contrail.Topics;

/// <summary>A topic's settings (SNS): nothing but a description so far.</summary>
public sealed record TopicAttributes
{
    public string? Description { get; init; }
}

public sealed record TopicDefinition(string Name, TopicAttributes Attributes, long CreatedAt, long UpdatedAt)
{
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 256 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public const string NameRule = "a topic name is 1-256 letters, digits, '-', '_' or '.'";
}

/// <summary>
/// An SNS subscription: messages published to the topic go to <see cref="Endpoint"/> through
/// <see cref="Protocol"/> (a registered <see cref="SubscriptionProtocol"/>: queue, later destination) when
/// <see cref="FilterPolicy"/> (an event pattern, run by the same engine as rules) matches the message's
/// attributes or, with <see cref="FilterPolicyScope"/> <c>message_body</c>, its JSON body.
/// </summary>
public sealed record Subscription
{
    public const string AttributesScope = "message_attributes";
    public const string BodyScope = "message_body";

    public required string Protocol { get; init; }
    public required string Endpoint { get; init; }
    public JsonObject? FilterPolicy { get; init; }
    public string FilterPolicyScope { get; init; } = AttributesScope;

    /// <summary>Deliver the message text alone instead of the notification envelope.</summary>
    public bool RawMessageDelivery { get; init; }
}

public sealed record StoredSubscription(string Id, string Topic, Subscription Subscription, long CreatedAt);

/// <summary>A message published to a topic. <see cref="Attributes"/> are SNS's message attributes: strings, numbers or arrays of them.</summary>
public sealed record TopicMessage(
    string MessageId,
    string Text,
    string? Subject,
    JsonObject? Attributes,
    DateTimeOffset Timestamp,
    string? EventId = null,
    IReadOnlyDictionary<string, string>? Headers = null);
