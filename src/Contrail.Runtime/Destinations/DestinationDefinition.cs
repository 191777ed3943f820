using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Contrail.Events;

namespace Contrail.Destinations;

/// <summary>
/// An outbound HTTP endpoint, as EventBridge's API destination plus its connection: where to send, how to
/// authenticate, what body to build from a delivery, and how fast, how many at once, how long and how often
/// to try. Stored as JSON; the auth names where its secret is and never holds the secret.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DestinationDefinition
{
    public const int MaxNameLength = 64;
    public const int DefaultRateLimitPerSecond = 300;
    public const int DefaultConcurrency = 10;

    public string? Url { get; init; }

    /// <summary>POST (default), PUT, PATCH, DELETE or GET (GET sends no body).</summary>
    public string Method { get; init; } = "POST";

    /// <summary>None when absent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DestinationAuth? Auth { get; init; }

    /// <summary>Static headers sent with every request (not secrets: they are stored and shown as they are).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The request body built from the delivery; absent: the delivery's body as it is (for rule targets, the event).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RequestTemplateDefinition? Template { get; init; }

    /// <summary>Never more requests than this, successful or not, in any one-second window.</summary>
    public int RateLimitPerSecond { get; init; } = DefaultRateLimitPerSecond;

    /// <summary>Requests in flight at once.</summary>
    public int Concurrency { get; init; } = DefaultConcurrency;

    /// <summary>How long one request may take before it counts as failed (and is retried).</summary>
    public double TimeoutSeconds { get; init; } = 10;

    public RetryPolicy Retry { get; init; } = new();

    /// <summary>How long an undelivered delivery is kept in the destination's queue (SQS default: 4 days).</summary>
    public int RetentionSeconds { get; init; } = 345_600;

    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>
    /// Every problem with this definition, as JSON pointers into it. <paramref name="resolveSecret"/> checks
    /// that a referenced secret exists now, so a typo is caught when the destination is written, not at the
    /// first delivery.
    /// </summary>
    public List<FieldError> Problems(Func<SecretReference, string?> resolveSecret)
    {
        var problems = new List<FieldError>();
        if (string.IsNullOrWhiteSpace(Url))
            problems.Add(new("/url", "required: the absolute http:// or https:// URL to send to"));
        else if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            problems.Add(new("/url", "must be an absolute http:// or https:// URL"));
        else if (uri.UserInfo.Length > 0)
            problems.Add(new("/url", "must not carry credentials (they would be stored and shown in clear); use auth with a secret reference"));

        if (Method is not ("POST" or "PUT" or "PATCH" or "DELETE" or "GET"))
            problems.Add(new("/method", "must be POST, PUT, PATCH, DELETE or GET"));

        if (Auth is not null) Auth.Validate(problems, resolveSecret);

        if (Headers is not null)
        {
            if (Headers.Count > 20) problems.Add(new("/headers", "at most 20 headers"));
            foreach (var (name, value) in Headers)
            {
                var pointer = "/headers/" + name.Replace("~", "~0").Replace("/", "~1");
                if (!HttpHeaderNames.IsToken(name)) problems.Add(new(pointer, "is not a valid header name"));
                else if (HttpHeaderNames.IsReserved(name) || name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                    problems.Add(new(pointer, $"'{name}' is set by Contrail (use auth for credentials)"));
                if (value is null || value.Length > 1024 || !HttpHeaderNames.IsValidValue(value))
                    problems.Add(new(pointer, "must be up to 1024 visible ASCII characters"));
            }
        }

        if (Template is not null) RequestTemplate.Compile(Template, problems);

        if (RateLimitPerSecond is < 1 or > 10_000)
            problems.Add(new("/rate_limit_per_second", "must be between 1 and 10000"));
        if (Concurrency is < 1 or > 1_000)
            problems.Add(new("/concurrency", "must be between 1 and 1000"));
        if (TimeoutSeconds is < 0.1 or > 300 || double.IsNaN(TimeoutSeconds))
            problems.Add(new("/timeout_seconds", "must be between 0.1 and 300"));
        if (Retry is null)
            problems.Add(new("/retry", "must be an object: {max_attempts, base_delay_seconds, max_delay_seconds}"));
        else
            Retry.Validate(problems);
        if (RetentionSeconds is < 60 or > 1_209_600)
            problems.Add(new("/retention_seconds", "must be between 60 and 1209600 (14 days)"));
        return problems;
    }
}

/// <summary>How requests authenticate. The secret is a reference: <c>env:NAME</c>, <c>file:/path</c> or <c>config:Section:Key</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DestinationAuth
{
    public const string Bearer = "bearer";
    public const string Header = "header";

    /// <summary><c>bearer</c>: <c>Authorization: Bearer &lt;secret&gt;</c>; <c>header</c>: <c>&lt;header_name&gt;: &lt;secret&gt;</c>.</summary>
    public string Type { get; init; } = Bearer;

    /// <summary>The header that carries the secret, for type <c>header</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? HeaderName { get; init; }

    /// <summary>Where the secret is; never the secret itself.</summary>
    public string? Secret { get; init; }

    internal void Validate(List<FieldError> problems, Func<SecretReference, string?> resolveSecret)
    {
        if (Type is not (Bearer or Header)) problems.Add(new("/auth/type", "must be 'bearer' or 'header'"));
        if (Type == Header)
        {
            if (HeaderName is null || !HttpHeaderNames.IsToken(HeaderName)) problems.Add(new("/auth/header_name", "required for type 'header': a valid header name such as X-Api-Key"));
            else if (HttpHeaderNames.IsReserved(HeaderName)) problems.Add(new("/auth/header_name", $"'{HeaderName}' is set by Contrail"));
        }
        else if (HeaderName is not null)
            problems.Add(new("/auth/header_name", "only for type 'header'"));
        if (Secret is null)
            problems.Add(new("/auth/secret", "required: where the secret is, as env:NAME, file:/absolute/path or config:Section:Key"));
        else if (!SecretReference.TryParse(Secret, out var reference, out var error))
            problems.Add(new("/auth/secret", error!));
        else if (resolveSecret(reference) is null)
            problems.Add(new("/auth/secret", $"{reference.Describe()} is not set or is empty"));
        else if (!HttpHeaderNames.IsValidValue(resolveSecret(reference)!))
            problems.Add(new("/auth/secret", $"the value of {reference} cannot be sent in a header (control or non-ASCII characters)"));
    }
}

/// <summary>
/// The request body, built from a delivery's body (for rule targets, the event). Strings in
/// <see cref="Body"/> and <see cref="Variables"/> may hold placeholders <c>{{$.detail.id}}</c>: a string that
/// is only a placeholder becomes the JSON value found there (object, number, ... or null when absent); a
/// placeholder inside a longer string is replaced by the value's text.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RequestTemplateDefinition
{
    public const string Json = "json";
    public const string GraphQL = "graphql";

    /// <summary><c>json</c>: <see cref="Body"/> is sent; <c>graphql</c>: <c>{"query", "operationName"?, "variables"}</c> is sent.</summary>
    public string Type { get; init; } = Json;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonNode? Body { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Query { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonNode? Variables { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OperationName { get; init; }
}

/// <summary>
/// When to try again. 429 (after its Retry-After), 408, 5xx, timeouts and network errors are retried with
/// exponential backoff and jitter (the first retry after about <see cref="BaseDelaySeconds"/>, doubling up
/// to <see cref="MaxDelaySeconds"/>); after <see cref="MaxAttempts"/> attempts, or at once for other
/// 4xx and GraphQL errors, the delivery goes to the destination's dead-letter queue with the reason.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RetryPolicy
{
    public int MaxAttempts { get; init; } = 10;

    public double BaseDelaySeconds { get; init; } = 1;

    public double MaxDelaySeconds { get; init; } = 60;

    internal void Validate(List<FieldError> problems)
    {
        if (MaxAttempts is < 1 or > 185) problems.Add(new("/retry/max_attempts", "must be between 1 and 185"));
        if (BaseDelaySeconds is < 0.05 or > 3600 || double.IsNaN(BaseDelaySeconds))
            problems.Add(new("/retry/base_delay_seconds", "must be between 0.05 and 3600"));
        if (MaxDelaySeconds < BaseDelaySeconds || MaxDelaySeconds > 43_200 || double.IsNaN(MaxDelaySeconds))
            problems.Add(new("/retry/max_delay_seconds", "must be between base_delay_seconds and 43200 (12 hours)"));
    }
}

/// <summary>A destination as stored, with where it came from: the API or an application's configuration.</summary>
public sealed record StoredDestination(string Name, DestinationDefinition Definition, string Origin, long CreatedAt, long UpdatedAt);

/// <summary>A delivery the target accepted: a delivery id recorded here is not sent again.</summary>
public sealed record DeliveredRecord(string DeliveryId, string? EventId, int Status, int Attempts, long DeliveredAt);

/// <summary>Header name and value rules (RFC 9110) and the names Contrail sets itself.</summary>
internal static class HttpHeaderNames
{
    public const string IdempotencyKey = "Idempotency-Key";

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "Content-Type", "Content-Length", "Host", "Transfer-Encoding", "Connection", IdempotencyKey,
    };

    public static bool IsReserved(string name) => Reserved.Contains(name);

    public static bool IsToken(string name) =>
        name.Length is > 0 and <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c));

    public static bool IsValidValue(string value) => value.All(c => c is >= ' ' and <= '~' or '\t');
}
