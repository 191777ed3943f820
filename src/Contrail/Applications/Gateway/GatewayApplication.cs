using Contrail.Destinations;
using Microsoft.Extensions.Logging;

namespace Contrail.Applications.Gateway;

/// <summary>
/// Gateway settings (section <c>Gateway</c>; environment <c>CONTRAIL__GATEWAY__ENDPOINT</c> and so on).
/// Seed 003 read <c>GRAPHQL_ENDPOINT</c>, <c>AUTH_TOKEN</c> and <c>BRAND_NAME</c>.
/// </summary>
public sealed class GatewayOptions
{
    /// <summary>The GraphQL endpoint events are delivered to; without it the route answers 503.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The bearer token; prefer <see cref="TokenFile"/> or the environment. Never stored, logged or shown.</summary>
    public string? Token { get; set; }

    /// <summary>A file holding the bearer token (a mounted secret); read again when it changes.</summary>
    public string? TokenFile { get; set; }

    /// <summary>Added to every event as <c>brand</c>.</summary>
    public string Brand { get; set; } = "";

    public int RateLimitPerSecond { get; set; } = 5;

    public int Concurrency { get; set; } = 5;

    public double TimeoutSeconds { get; set; } = 10;
}

/// <summary>Whether the gateway can accept events (if not, what the operator must set), its brand, and whether it sends a token.</summary>
public sealed record GatewayStatus(bool Available, string? Reason, string Brand, bool SendsToken = false);

/// <summary>
/// Seed 003, the event gateway: producers post <c>{id, name, body, timestamp}</c>; each event is enriched
/// with the configured brand, committed (with its delivery) and answered 202 at once; the destination
/// <c>gateway</c> then delivers it to the GraphQL endpoint as the <c>SendEvent</c> mutation, never faster
/// than the configured rate, with the configured concurrency, retrying 429/5xx and dead-lettering after
/// five attempts. The seed promised all of that and implemented none of it.
/// </summary>
public static class GatewayApplication
{
    public const string DestinationName = "gateway";

    public const string Mutation = "mutation SendEvent($input: EventInput!) { sendEvent(input: $input) { id status } }";

    /// <summary>The seed's SQS queue: retention 4 days, DLQ after 5 receives.</summary>
    public const int MaxAttempts = 5;
    public const int RetentionSeconds = 345_600;

    public static IServiceCollection AddGateway(this IServiceCollection services, IConfiguration configuration)
    {
        var status = Configure(services, configuration);
        services.AddSingleton(status);
        services.AddHostedService<GatewayStartupLog>();
        return services;
    }

    private static GatewayStatus Configure(IServiceCollection services, IConfiguration configuration)
    {
        GatewayOptions options;
        try
        {
            options = configuration.GetSection("Gateway").Get<GatewayOptions>() ?? new GatewayOptions();
        }
        catch (InvalidOperationException ex)
        {
            return new GatewayStatus(false, ex.Message, "");
        }
        if (string.IsNullOrWhiteSpace(options.Endpoint))
            return new GatewayStatus(false, "The gateway has no endpoint to deliver to: set Gateway:Endpoint (environment CONTRAIL__GATEWAY__ENDPOINT) to the GraphQL URL.", options.Brand);
        if (!string.IsNullOrEmpty(options.Token) && !string.IsNullOrEmpty(options.TokenFile))
            return new GatewayStatus(false, "Set Gateway:Token or Gateway:TokenFile, not both.", options.Brand);

        var definition = Definition(options);
        var secrets = new SecretResolver(configuration, TimeProvider.System);
        var problems = definition.Problems(secrets.Resolve);
        if (problems.Count > 0)
            return new GatewayStatus(false, "The gateway's settings are not valid: " + string.Join("; ", problems.Select(p => $"{Setting(p.Pointer)} {p.Detail}")), options.Brand);

        services.AddDestination(DestinationName, definition);
        return new GatewayStatus(true, null, options.Brand, SendsToken: definition.Auth is not null);
    }

    /// <summary>The destination the gateway delivers through: the seed's request, limits and retries.</summary>
    public static DestinationDefinition Definition(GatewayOptions options) => new()
    {
        Url = options.Endpoint,
        Method = "POST",
        Auth = !string.IsNullOrEmpty(options.TokenFile) ? new DestinationAuth { Type = DestinationAuth.Bearer, Secret = "file:" + Path.GetFullPath(options.TokenFile) }
            : !string.IsNullOrEmpty(options.Token) ? new DestinationAuth { Type = DestinationAuth.Bearer, Secret = "config:Gateway:Token" }
            : null,
        Template = new RequestTemplateDefinition
        {
            Type = RequestTemplateDefinition.GraphQL,
            Query = Mutation,
            Variables = new System.Text.Json.Nodes.JsonObject { ["input"] = "{{$}}" },
        },
        RateLimitPerSecond = options.RateLimitPerSecond,
        Concurrency = options.Concurrency,
        TimeoutSeconds = options.TimeoutSeconds,
        Retry = new RetryPolicy { MaxAttempts = MaxAttempts, BaseDelaySeconds = 1, MaxDelaySeconds = 60 },
        RetentionSeconds = RetentionSeconds,
    };

    /// <summary>A definition's JSON pointer as the gateway setting an operator would change.</summary>
    private static string Setting(string pointer) => pointer switch
    {
        "/url" => "Gateway:Endpoint",
        "/auth/secret" => "the token (Gateway:Token or Gateway:TokenFile):",
        "/rate_limit_per_second" => "Gateway:RateLimitPerSecond",
        "/concurrency" => "Gateway:Concurrency",
        "/timeout_seconds" => "Gateway:TimeoutSeconds",
        _ => pointer,
    };

    /// <summary>Says once at start-up, in the log, why the gateway is off or that it sends no token.</summary>
    private sealed class GatewayStartupLog(GatewayStatus status, ILogger<GatewayStartupLog> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (!status.Available) logger.LogWarning("Gateway off: POST /gateway/events answers 503. {Reason}", status.Reason);
            else if (!status.SendsToken) logger.LogWarning("Gateway:Token and Gateway:TokenFile are not set: deliveries carry no Authorization header");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
