using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Contrail.Tests.Infrastructure;

/// <summary>
/// The outside GraphQL API, as a real HTTP server on loopback (Kestrel in this process): it speaks GraphQL
/// over HTTP (<c>POST {query, variables}</c>, answers <c>{data}</c> or <c>{errors}</c>), checks the
/// <c>SendEvent</c> mutation's variables like a schema would, can rate-limit with 429 + Retry-After, and
/// records every request with its arrival time, headers and body. Tests script other answers (5xx, 400,
/// GraphQL errors, slow answers) per request through <see cref="Script"/>.
/// <para>Shared with the load tool (linked into bench/Contrail.Load), so it uses no test framework types.</para>
/// </summary>
public sealed class GraphQLTarget : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<TargetRequest> _requests = new();
    private readonly Queue<long> _admitted = new();
    private readonly Lock _limitLock = new();
    private int _inFlight;
    private int _maxInFlight;
    private int _sequence;

    private GraphQLTarget(WebApplication app) => _app = app;

    /// <summary>The GraphQL endpoint, <c>http://127.0.0.1:{port}/graphql</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>When set, the target answers 429 (Retry-After: <see cref="RetryAfterSeconds"/>) to a request that would be the N+1th of the last second.</summary>
    public int? RateLimitPerSecond { get; set; }

    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Chooses the answer to a request; null lets the target answer as a GraphQL server would.</summary>
    public Func<TargetRequest, Task<TargetAnswer?>>? Script { get; set; }

    public IReadOnlyList<TargetRequest> Requests => [.. _requests];

    /// <summary>Most requests that were being answered at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public static async Task<GraphQLTarget> StartAsync(CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var target = new GraphQLTarget(app);
        app.MapPost("/graphql", target.HandleAsync);
        await app.StartAsync(ct);
        target.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/graphql";
        return target;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        var inFlight = Interlocked.Increment(ref _inFlight);
        for (var max = Volatile.Read(ref _maxInFlight); inFlight > max; max = Volatile.Read(ref _maxInFlight))
            if (Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) == max) break;
        try
        {
            string body;
            using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8)) body = await reader.ReadToEndAsync(context.RequestAborted);
            JsonNode? json = null;
            try { json = JsonNode.Parse(body); } catch (System.Text.Json.JsonException) { }
            var request = new TargetRequest(Interlocked.Increment(ref _sequence), arrived,
                context.Request.Headers["Idempotency-Key"].ToString(), context.Request.Headers.Authorization.ToString(),
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body, json);

            var answer = Limited(arrived) ? TargetAnswer.TooManyRequests(RetryAfterSeconds)
                : (Script is { } script ? await script(request) : null) ?? Answer(request);
            request.Status = answer.Status;
            _requests.Enqueue(request);

            if (answer.Delay is { } delay) await Task.Delay(delay, context.RequestAborted);
            context.Response.StatusCode = answer.Status;
            if (answer.RetryAfterSeconds is { } retryAfter) context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(answer.Body, context.RequestAborted);
            await context.Response.CompleteAsync();
            request.Accepted = answer.Status is >= 200 and < 300 && !answer.Body.Contains("\"errors\"", StringComparison.Ordinal);
            answer.Then?.Invoke();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private bool Limited(long arrived)
    {
        if (RateLimitPerSecond is not { } limit) return false;
        lock (_limitLock)
        {
            while (_admitted.Count > 0 && Stopwatch.GetElapsedTime(_admitted.Peek(), arrived) >= TimeSpan.FromSeconds(1)) _admitted.Dequeue();
            if (_admitted.Count >= limit) return true;
            _admitted.Enqueue(arrived);
            return false;
        }
    }

    /// <summary>What a GraphQL server with <c>sendEvent(input: EventInput!)</c> answers.</summary>
    private static TargetAnswer Answer(TargetRequest request)
    {
        if (request.Json is not JsonObject root) return TargetAnswer.Error(400, "the body is not a GraphQL request");
        if (root["query"] is null) return TargetAnswer.Ok("""{"ok":true}""");
        var query = (string?)root["query"] ?? "";
        if (!query.Contains("sendEvent", StringComparison.Ordinal)) return TargetAnswer.GraphQLError("Cannot query field on type \"Mutation\".");
        if (root["variables"]?["input"] is not JsonObject input)
            return TargetAnswer.GraphQLError("Variable \"$input\" of required type \"EventInput!\" was not provided.");
        foreach (var field in new[] { "id", "name", "body", "timestamp", "brand" })
            if (input[field] is not JsonValue value || value.GetValueKind() != System.Text.Json.JsonValueKind.String)
                return TargetAnswer.GraphQLError($"Variable \"$input\" got invalid value; Field \"{field}\" of required type \"String!\" was not provided.");
        return TargetAnswer.Ok(new JsonObject { ["data"] = new JsonObject { ["sendEvent"] = new JsonObject { ["id"] = (string?)input["id"], ["status"] = "RECEIVED" } } }.ToJsonString());
    }

    /// <summary>The most requests (all, or those matching) whose arrivals fall in any window of <paramref name="window"/>.</summary>
    public int MostInAnyWindow(TimeSpan window, Func<TargetRequest, bool>? which = null)
    {
        var times = Requests.Where(r => which?.Invoke(r) ?? true).Select(r => r.ArrivedAt).Order().ToArray();
        var most = 0;
        for (int first = 0, last = 0; last < times.Length; last++)
        {
            while (Stopwatch.GetElapsedTime(times[first], times[last]) >= window) first++;
            most = Math.Max(most, last - first + 1);
        }
        return most;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>One request as the target saw it; <see cref="Status"/> and <see cref="Accepted"/> say how it was answered.</summary>
public sealed record TargetRequest(int Sequence, long ArrivedAt, string IdempotencyKey, string Authorization,
    IReadOnlyDictionary<string, string> Headers, string Body, JsonNode? Json)
{
    public int Status { get; set; }

    /// <summary>Answered 2xx without GraphQL errors, and the answer was sent in full (not cut off by the client's timeout).</summary>
    public bool Accepted { get; set; }

    /// <summary>The GraphQL input's id, when the request is the SendEvent mutation.</summary>
    public string? InputId => (string?)Json?["variables"]?["input"]?["id"];

    public TimeSpan Since(TargetRequest earlier) => Stopwatch.GetElapsedTime(earlier.ArrivedAt, ArrivedAt);
}

/// <summary>An answer: status, JSON body, optional Retry-After, an optional delay before answering, and an action once it was sent.</summary>
public sealed record TargetAnswer(int Status, string Body, int? RetryAfterSeconds = null, TimeSpan? Delay = null, Action? Then = null)
{
    public static TargetAnswer Ok(string body) => new(200, body);
    public static TargetAnswer Error(int status, string message) => new(status, new JsonObject { ["message"] = message }.ToJsonString());
    public static TargetAnswer GraphQLError(string message) =>
        new(200, new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["message"] = message }), ["data"] = null }.ToJsonString());
    public static TargetAnswer TooManyRequests(int retryAfterSeconds) =>
        new(429, """{"errors":[{"message":"rate limit exceeded"}]}""", retryAfterSeconds);
}
