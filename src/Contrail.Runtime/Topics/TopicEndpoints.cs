using System.Text.Json;
using System.Text.Json.Nodes;
using Contrail.Auth;
using Contrail.Bus;
using Contrail.Events;
using Contrail.Http;
using Contrail.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Contrail.Topics;

/// <summary>The topics API (SNS): topics, their subscriptions with filter policies, and publishing.</summary>
public static class TopicEndpoints
{
    public const int MaxAttributes = 10;

    public static IEndpointRouteBuilder MapTopics(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/topics").WithTags("Topics");
        group.MapGet("", ListTopics).RequireAuthorization(Scopes.Read).WithSummary("Topics, by name");
        group.MapGet("/{name}", GetTopic).RequireAuthorization(Scopes.Read).WithSummary("A topic and its number of subscriptions");
        group.MapPut("/{name}", PutTopic).RequireAuthorization(Scopes.Admin).WithSummary("Create or update a topic");
        group.MapDelete("/{name}", DeleteTopic).RequireAuthorization(Scopes.Admin).WithSummary("Delete a topic and its subscriptions");
        group.MapGet("/{name}/subscriptions", ListSubscriptions).RequireAuthorization(Scopes.Read).WithSummary("A topic's subscriptions");
        group.MapPost("/{name}/subscriptions", Subscribe).RequireAuthorization(Scopes.Admin).WithSummary("Subscribe an endpoint, optionally with a filter policy");
        group.MapGet("/{name}/subscriptions/{id}", GetSubscription).RequireAuthorization(Scopes.Read).WithSummary("A subscription");
        group.MapDelete("/{name}/subscriptions/{id}", Unsubscribe).RequireAuthorization(Scopes.Admin).WithSummary("Delete a subscription");
        group.MapPost("/{name}/messages", Publish).RequireAuthorization(Scopes.Ingest).WithSummary("Publish a message to every matching subscription");
        return app;
    }

    public sealed record TopicView(string Name, string? Description, long Subscriptions, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    public sealed record SubscriptionView(string Id, string Topic, string Protocol, string Endpoint, JsonObject? FilterPolicy, string FilterPolicyScope,
        bool RawMessageDelivery, DateTimeOffset CreatedAt)
    {
        public static SubscriptionView From(StoredSubscription s) => new(s.Id, s.Topic, s.Subscription.Protocol, s.Subscription.Endpoint,
            s.Subscription.FilterPolicy, s.Subscription.FilterPolicyScope, s.Subscription.RawMessageDelivery, DateTimeOffset.FromUnixTimeMilliseconds(s.CreatedAt));
    }

    public sealed record SubscriptionRequest
    {
        public string? Protocol { get; init; }
        public string? Endpoint { get; init; }
        public JsonElement FilterPolicy { get; init; }
        public string? FilterPolicyScope { get; init; }
        public bool RawMessageDelivery { get; init; }
    }

    public sealed record PublishRequest
    {
        /// <summary>The message: a string is sent as it is; any other JSON value as its JSON text.</summary>
        public JsonElement Message { get; init; }
        public string? Subject { get; init; }
        public JsonElement MessageAttributes { get; init; }
    }

    public sealed record Published(string MessageId, int MatchedSubscriptions);

    private static TopicView View(StoreReader reader, TopicDefinition topic) =>
        new(topic.Name, topic.Attributes.Description, reader.SubscriptionCount(topic.Name),
            DateTimeOffset.FromUnixTimeMilliseconds(topic.CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(topic.UpdatedAt));

    private static IResult ListTopics(HttpRequest request, Store store)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        return store.Read(r => TypedResults.Ok(Page<TopicView>.From(r.TopicList(page.Position ?? "", page.Limit + 1), page.Limit, t => View(r, t), t => t.Name)));
    }

    private static IResult GetTopic(string name, Store store) =>
        store.Read(r => r.TopicGet(name) is { } topic ? View(r, topic) : null) is { } view ? TypedResults.Ok(view) : NoTopic(name);

    private static IResult NoTopic(string name) => Problems.NotFound($"No topic named '{name}'");

    private static async Task<IResult> PutTopic(string name, HttpRequest request, Store store, TopicRegistry topics, CancellationToken ct)
    {
        if (!TopicDefinition.IsValidName(name)) return Problems.Validation("/name", TopicDefinition.NameRule);
        var attributes = new TopicAttributes();
        if (HasBody(request))
        {
            var (body, problem) = await JsonBody.ReadAsync<TopicAttributes>(request, ct);
            if (body is null) return problem!;
            attributes = body;
        }
        if (attributes.Description is { Length: > 512 }) return Problems.Validation("/description", "must be at most 512 characters");
        var created = await store.WriteAsync(w =>
        {
            var isNew = w.TopicGet(name) is null;
            w.TopicUpsert(name, attributes);
            return isNew;
        }, ct: ct);
        topics.Reload();
        var view = store.Read(r => View(r, r.TopicGet(name)!));
        return created ? TypedResults.Created($"/topics/{name}", view) : TypedResults.Ok(view);
    }

    internal static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.ContainsKey("Transfer-Encoding"));

    private static async Task<IResult> DeleteTopic(string name, Store store, TopicRegistry topics, CancellationToken ct)
    {
        if (!await store.WriteAsync(w => w.TopicDelete(name), ct: ct)) return NoTopic(name);
        topics.Reload();
        return TypedResults.NoContent();
    }

    private static IResult ListSubscriptions(string name, HttpRequest request, Store store)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        var (topic, rows) = store.Read(r => (r.TopicGet(name), r.SubscriptionList(name, page.Position ?? "", page.Limit + 1)));
        if (topic is null) return NoTopic(name);
        return TypedResults.Ok(Page<SubscriptionView>.From(rows, page.Limit, SubscriptionView.From, s => s.Id));
    }

    private static IResult GetSubscription(string name, string id, Store store) =>
        store.Read(r => r.SubscriptionGet(name, id)) is { } subscription
            ? TypedResults.Ok(SubscriptionView.From(subscription))
            : Problems.NotFound($"Topic '{name}' has no subscription '{id}'");

    private static async Task<IResult> Subscribe(string name, HttpRequest request, Store store, TopicRegistry topics, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<SubscriptionRequest>(request, ct);
        if (body is null) return problem!;
        var errors = new List<FieldError>();
        if (body.Protocol is null) errors.Add(new("/protocol", "required"));
        else if (!topics.Protocols.TryGetValue(body.Protocol, out var protocol))
            errors.Add(new("/protocol", $"unknown protocol '{body.Protocol}'; registered: {string.Join(", ", topics.Protocols.Keys.Order(StringComparer.Ordinal))}"));
        else if (body.Endpoint is null) errors.Add(new("/endpoint", "required"));
        else if (protocol.ValidateEndpoint(body.Endpoint) is { } endpointProblem) errors.Add(new("/endpoint", endpointProblem));
        var scope = body.FilterPolicyScope ?? Subscription.AttributesScope;
        if (scope is not (Subscription.AttributesScope or Subscription.BodyScope))
            errors.Add(new("/filter_policy_scope", $"must be {Subscription.AttributesScope} (the default) or {Subscription.BodyScope}"));
        JsonObject? filter = null;
        if (body.FilterPolicy.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
            filter = RuleValidation.PatternObject(RuleValidation.PatternText(body.FilterPolicy, "/filter_policy", errors), "/filter_policy", errors);
        if (errors.Count > 0) return Problems.Validation(errors, "The subscription is not valid");

        var subscription = new Subscription
        {
            Protocol = body.Protocol!, Endpoint = body.Endpoint!, FilterPolicy = filter, FilterPolicyScope = scope, RawMessageDelivery = body.RawMessageDelivery,
        };
        var id = Guid.CreateVersion7().ToString("N");
        var created = await store.WriteAsync(w =>
        {
            if (w.TopicGet(name) is null) return false;
            w.SubscriptionInsert(id, name, subscription);
            return true;
        }, ct: ct);
        if (!created) return NoTopic(name);
        topics.Reload();
        return TypedResults.Created($"/topics/{name}/subscriptions/{id}", SubscriptionView.From(store.Read(r => r.SubscriptionGet(name, id))!));
    }

    private static async Task<IResult> Unsubscribe(string name, string id, Store store, TopicRegistry topics, CancellationToken ct)
    {
        if (!await store.WriteAsync(w => w.SubscriptionDelete(name, id), ct: ct)) return Problems.NotFound($"Topic '{name}' has no subscription '{id}'");
        topics.Reload();
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Publish(string name, HttpRequest request, Store store, TopicRegistry topics, TimeProvider time, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<PublishRequest>(request, ct);
        if (body is null) return problem!;
        var errors = new List<FieldError>();
        if (body.Message.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) errors.Add(new("/message", "required"));
        if (body.Subject is { Length: > 100 }) errors.Add(new("/subject", "must be at most 100 characters"));
        var attributes = Attributes(body.MessageAttributes, errors);
        if (errors.Count > 0) return Problems.Validation(errors, "The message is not valid");
        if (!topics.Exists(name)) return NoTopic(name);

        var text = body.Message.ValueKind == JsonValueKind.String ? body.Message.GetString()! : body.Message.GetRawText();
        var message = new TopicMessage(EventIds.New(), text, body.Subject, attributes, time.GetUtcNow(),
            Headers: new Dictionary<string, string> { ["traceparent"] = Observability.ContrailTelemetry.CurrentTraceparent() });
        try
        {
            var result = await store.WriteAsync(w => topics.Publish(w, name, message), failWhenSaturated: true, ct);
            return result is null ? NoTopic(name) : TypedResults.Json(new Published(result.MessageId, result.MatchedSubscriptions), statusCode: StatusCodes.Status202Accepted);
        }
        catch (StoreSaturatedException)
        {
            return Problems.Saturated();
        }
    }

    /// <summary>SNS's message attributes: up to 10, each a string, a number, or an array of them.</summary>
    private static JsonObject? Attributes(JsonElement value, List<FieldError> errors)
    {
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new("/message_attributes", "must be an object of names to strings, numbers or arrays of them"));
            return null;
        }
        var attributes = new JsonObject();
        foreach (var property in value.EnumerateObject())
        {
            var at = "/message_attributes/" + NativeEventFormat.EscapePointer(property.Name);
            var ok = property.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number
                || (property.Value.ValueKind == JsonValueKind.Array && property.Value.EnumerateArray().All(e => e.ValueKind is JsonValueKind.String or JsonValueKind.Number));
            if (property.Name.Length is 0 or > 256) errors.Add(new(at, "a name is 1-256 characters"));
            else if (!ok) errors.Add(new(at, "must be a string, a number, or an array of them"));
            else if (attributes.ContainsKey(property.Name)) errors.Add(new(at, "is given twice"));
            else attributes[property.Name] = JsonNode.Parse(property.Value.GetRawText());
        }
        if (attributes.Count > MaxAttributes) errors.Add(new("/message_attributes", $"a message has at most {MaxAttributes} attributes"));
        return attributes;
    }
}
