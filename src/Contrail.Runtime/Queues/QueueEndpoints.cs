using System.Text.Json;
using System.Text.Json.Serialization;
using Contrail.Auth;
using Contrail.Http;
using Contrail.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Contrail.Queues;

/// <summary>The queue API: list, create/update, inspect, peek, send, redrive, purge, delete.</summary>
public static class QueueEndpoints
{
    public static IEndpointRouteBuilder MapQueues(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/queues").WithTags("Queues");
        group.MapGet("", ListQueues).RequireAuthorization(Scopes.Read).WithSummary("Queues with their depth");
        group.MapGet("/{name}", GetQueue).RequireAuthorization(Scopes.Read).WithSummary("A queue's depth, in-flight count, oldest age, DLQ depth and attributes");
        group.MapPut("/{name}", PutQueue).RequireAuthorization(Scopes.Admin).WithSummary("Create or update a queue (its DLQ is created with it)");
        group.MapDelete("/{name}", DeleteQueue).RequireAuthorization(Scopes.Admin).WithSummary("Delete a queue and its messages");
        group.MapGet("/{name}/messages", PeekMessages).RequireAuthorization(Scopes.Read).WithSummary("Peek at waiting messages (dlq=true: at the DLQ's)");
        group.MapPost("/{name}/messages", SendMessage).RequireAuthorization(Scopes.Ingest).WithSummary("Send a message");
        group.MapPost("/{name}/redrive", Redrive).RequireAuthorization(Scopes.Admin).WithSummary("Move messages from the queue's DLQ back to it");
        group.MapPost("/{name}/purge", Purge).RequireAuthorization(Scopes.Admin).WithSummary("Drop every waiting message");
        return app;
    }

    public sealed record QueueView(
        string Name, long Depth, long InFlight, long Delayed, double? OldestAgeSeconds, long? DlqDepth, QueueAttributes Attributes);

    private static QueueView View(StoreReader reader, QueueDefinition queue)
    {
        var stats = reader.QueueStats(queue.Name);
        long? dlqDepth = queue.Attributes.DeadLetterQueue is { } dlq ? Total(reader.QueueStats(dlq)) : null;
        double? oldest = stats.OldestEnqueuedAt is { } at ? Math.Max(0, (reader.NowMs - at) / 1000.0) : null;
        return new QueueView(queue.Name, stats.Ready, stats.InFlight, stats.Delayed, oldest, dlqDepth, queue.Attributes);
    }

    private static long Total(QueueStats stats) => stats.Ready + stats.InFlight + stats.Delayed;

    private static IResult ListQueues(HttpRequest request, Store store)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        return store.Read(r =>
        {
            var rows = r.QueueList(page.Position ?? "", page.Limit + 1);
            return TypedResults.Ok(Page<QueueView>.From(rows, page.Limit, q => View(r, q), q => q.Name));
        });
    }

    private static IResult GetQueue(string name, Store store)
    {
        var view = store.Read(r => r.QueueGet(name) is { } queue ? View(r, queue) : null);
        return view is null ? Problems.NotFound($"No queue named '{name}'") : TypedResults.Ok(view);
    }

    private static async Task<IResult> PutQueue(string name, HttpRequest request, Store store, QueueRegistry queues, CancellationToken ct)
    {
        if (!QueueAttributes.IsValidName(name)) return Problems.Validation("/name", "a queue name is 1-80 letters, digits, '-', '_' or '.'");
        QueueAttributes attributes;
        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding")))
            attributes = new QueueAttributes();
        else
        {
            var (body, problem) = await JsonBody.ReadAsync<QueueAttributes>(request, ct);
            if (body is null) return problem!;
            attributes = body;
        }
        var problems = attributes.Problems(name);
        if (problems.Count > 0) return Problems.Validation(problems.Select(p => new Events.FieldError(p.Pointer, p.Detail)));
        var created = await store.WriteAsync(w => queues.Upsert(w, name, attributes), ct: ct);
        var view = store.Read(r => View(r, r.QueueGet(name)!));
        return created ? TypedResults.Created($"/queues/{name}", view) : TypedResults.Ok(view);
    }

    private static async Task<IResult> DeleteQueue(string name, Store store, QueueRegistry queues, CancellationToken ct)
    {
        var deleted = await store.WriteAsync(w => queues.Delete(w, name), ct: ct);
        return deleted ? TypedResults.NoContent() : Problems.NotFound($"No queue named '{name}'");
    }

    public sealed record MessageView(long Id, JsonElement Body, IReadOnlyDictionary<string, string>? Headers, string? EventId,
        DateTimeOffset EnqueuedAt, int ReceiveCount, string? LastError, string? SourceQueue, DateTimeOffset VisibleAt);

    private static IResult PeekMessages(string name, HttpRequest request, Store store, bool? dlq)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        long after = 0;
        if (page.Position is not null && !long.TryParse(page.Position, out after)) return Problems.Validation("/cursor", "is not a cursor this server gave out");
        var queue = store.Read(r => r.QueueGet(name));
        if (queue is null) return Problems.NotFound($"No queue named '{name}'");
        var target = name;
        if (dlq == true)
        {
            if (queue.Attributes.DeadLetterQueue is not { } dlqName) return Problems.Validation("/dlq", $"queue '{name}' has no dead-letter queue");
            target = dlqName;
        }
        var rows = store.Read(r => r.MessagePeek(target, after, page.Limit + 1));
        return TypedResults.Ok(Page<MessageView>.From(rows, page.Limit, m => new MessageView(m.Id, BodyAsJson(m.Body), m.Headers, m.EventId,
                DateTimeOffset.FromUnixTimeMilliseconds(m.EnqueuedAt), m.ReceiveCount, m.LastError, m.SourceQueue, DateTimeOffset.FromUnixTimeMilliseconds(m.VisibleAt)),
            m => m.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>A body that is JSON is shown as JSON; any other text as a JSON string.</summary>
    private static JsonElement BodyAsJson(string body)
    {
        try { return JsonDocument.Parse(body).RootElement; }
        catch (JsonException) { return JsonSerializer.SerializeToElement(body); }
    }

    public sealed record SendRequest
    {
        /// <summary>The message: a string is sent as it is; any other JSON value as its JSON text.</summary>
        public JsonElement Body { get; init; }
        public int? DelaySeconds { get; init; }
    }

    public sealed record SentMessage([property: JsonPropertyName("queued")] bool Queued);

    private static async Task<IResult> SendMessage(string name, HttpRequest request, Store store, QueueRegistry queues, CancellationToken ct)
    {
        var (send, problem) = await JsonBody.ReadAsync<SendRequest>(request, ct);
        if (send is null) return problem!;
        if (!queues.TryGet(name, out var attributes)) return Problems.NotFound($"No queue named '{name}'");
        if (send.Body.ValueKind == JsonValueKind.Undefined) return Problems.Validation("/body", "required");
        if (send.DelaySeconds is < 0 or > 900) return Problems.Validation("/delay_seconds", "must be between 0 and 900");
        var body = send.Body.ValueKind == JsonValueKind.String ? send.Body.GetString()! : send.Body.GetRawText();
        var delay = TimeSpan.FromSeconds(send.DelaySeconds ?? attributes.DelaySeconds);
        var headers = new Dictionary<string, string> { ["traceparent"] = Observability.ContrailTelemetry.CurrentTraceparent() };
        try
        {
            await store.WriteAsync(w => w.MessageSend(name, new OutgoingMessage(body, headers, Delay: delay)), failWhenSaturated: true, ct);
        }
        catch (StoreSaturatedException)
        {
            return Problems.Saturated();
        }
        return TypedResults.Json(new SentMessage(true), statusCode: StatusCodes.Status202Accepted);
    }

    public sealed record MoveResult(int Moved);

    private static async Task<IResult> Redrive(string name, Store store, QueueRegistry queues, CancellationToken ct)
    {
        if (!queues.TryGet(name, out var attributes)) return Problems.NotFound($"No queue named '{name}'");
        // Redriving a queue moves its DLQ's messages back to it; redriving a DLQ moves each message home.
        var moved = attributes.DeadLetterQueue is { } dlq
            ? await store.WriteAsync(w => w.MessageRedrive(dlq, name, int.MaxValue), ct: ct)
            : await store.WriteAsync(w => w.MessageRedrive(name, null, int.MaxValue), ct: ct);
        return TypedResults.Ok(new MoveResult(moved));
    }

    public sealed record PurgeResult(int Purged);

    private static async Task<IResult> Purge(string name, Store store, QueueRegistry queues, CancellationToken ct)
    {
        if (!queues.TryGet(name, out _)) return Problems.NotFound($"No queue named '{name}'");
        return TypedResults.Ok(new PurgeResult(await store.WriteAsync(w => w.MessagePurge(name), ct: ct)));
    }
}
