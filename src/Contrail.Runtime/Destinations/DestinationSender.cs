using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Contrail.Destinations;

/// <summary>How one call to a destination ended; the metric tag is the snake_case name.</summary>
public enum CallOutcome
{
    /// <summary>2xx (and, for GraphQL, no <c>errors</c>).</summary>
    Success,
    /// <summary>429: retried after its Retry-After.</summary>
    RateLimited,
    /// <summary>5xx: retried with backoff.</summary>
    ServerError,
    /// <summary>Another 3xx or 4xx: dead-lettered at once, the request itself is wrong.</summary>
    ClientError,
    /// <summary>A 2xx GraphQL answer with <c>errors</c> (or that is not GraphQL): dead-lettered at once.</summary>
    GraphQLError,
    /// <summary>No answer: connection refused or reset, DNS, TLS. Retried with backoff.</summary>
    NetworkError,
    /// <summary>No answer within the destination's timeout, or 408. Retried with backoff.</summary>
    Timeout,
    /// <summary>Not sent: the destination's secret could not be read. Retried with backoff, so fixing the secret resumes delivery.</summary>
    SecretMissing,
    /// <summary>Cancelled by shutdown: not an outcome of the target; the delivery is released untouched.</summary>
    Aborted,
}

/// <summary>A call's outcome, the HTTP status when there was one, the target's Retry-After, and a reason for logs and the DLQ.</summary>
public readonly record struct CallResult(CallOutcome Outcome, int? Status, TimeSpan? RetryAfter, string Reason)
{
    public bool Retryable => Outcome is CallOutcome.RateLimited or CallOutcome.ServerError or CallOutcome.NetworkError or CallOutcome.Timeout or CallOutcome.SecretMissing;
}

/// <summary>
/// Sends one request to a destination and classifies the answer. Redirects are not followed (the target
/// would see the credentials on another host); the body of an answer is read up to 1 MB. Secrets go into
/// the request's headers and nowhere else: reasons are scrubbed of them in case a target echoes them back.
/// </summary>
internal sealed class DestinationSender : IDisposable
{
    private const int MaxReasonBody = 500;
    private readonly HttpClient _client;
    private readonly SecretResolver _secrets;

    public DestinationSender(SecretResolver secrets)
    {
        _secrets = secrets;
        _client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            // Re-resolve DNS now and then, so a target that moves is followed.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = 1 << 20,
        };
    }

    public async Task<CallResult> SendAsync(Destination destination, string deliveryId, byte[]? body, CancellationToken abort)
    {
        var definition = destination.Definition;
        string? secret = null;
        if (destination.Secret is { } reference && (secret = _secrets.Resolve(reference)) is null)
            return new CallResult(CallOutcome.SecretMissing, null, null, $"not sent: {reference.Describe()} is not set or is empty");

        using var request = new HttpRequestMessage(destination.Method, destination.Url);
        request.Headers.TryAddWithoutValidation(HttpHeaderNames.IdempotencyKey, IdempotencyKey(deliveryId));
        if (definition.Headers is not null)
            foreach (var (name, value) in definition.Headers) request.Headers.TryAddWithoutValidation(name, value);
        if (secret is not null)
        {
            if (definition.Auth!.Type == DestinationAuth.Bearer) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            else request.Headers.TryAddWithoutValidation(definition.Auth.HeaderName!, secret);
        }
        if (body is not null && destination.Method != HttpMethod.Get)
            request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
        timeout.CancelAfter(TimeSpan.FromSeconds(definition.TimeoutSeconds));
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            return Redact(Classify(response, text, destination.Template?.IsGraphQL == true), secret);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            return new CallResult(CallOutcome.Aborted, null, null, "cancelled by shutdown");
        }
        catch (OperationCanceledException)
        {
            return new CallResult(CallOutcome.Timeout, null, null, $"no answer within {definition.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException ex)
        {
            return Redact(new CallResult(CallOutcome.NetworkError, null, null, "network error: " + ex.Message), secret);
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or IOException)
        {
            // What HttpClient throws for a request it cannot make (a header it refuses, an unsupported scheme).
            return Redact(new CallResult(CallOutcome.NetworkError, null, null, $"request failed: {ex.GetType().Name}: {ex.Message}"), secret);
        }
    }

    private static CallResult Classify(HttpResponseMessage response, string body, bool graphQL)
    {
        var status = (int)response.StatusCode;
        var statusText = $"HTTP {status} {response.ReasonPhrase}".TrimEnd();
        if (status is >= 200 and < 300)
        {
            if (!graphQL) return new CallResult(CallOutcome.Success, status, null, statusText);
            // GraphQL answers 200 with "errors" when the operation failed; that is not a delivery.
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    return new CallResult(CallOutcome.GraphQLError, status, null, $"{statusText} with a body that is not a GraphQL response: {Snippet(body)}");
                if (document.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
                    return new CallResult(CallOutcome.GraphQLError, status, null, "GraphQL returned errors: " + Snippet(errors.GetRawText()));
                return new CallResult(CallOutcome.Success, status, null, statusText);
            }
            catch (JsonException)
            {
                return new CallResult(CallOutcome.GraphQLError, status, null, $"{statusText} with a body that is not JSON: {Snippet(body)}");
            }
        }
        var retryAfter = RetryAfter(response);
        if (status == 429) return new CallResult(CallOutcome.RateLimited, status, retryAfter, WithBody(statusText, body));
        if (status == 408) return new CallResult(CallOutcome.Timeout, status, retryAfter, WithBody(statusText, body));
        if (status >= 500) return new CallResult(CallOutcome.ServerError, status, retryAfter, WithBody(statusText, body));
        if (status is >= 300 and < 400)
            return new CallResult(CallOutcome.ClientError, status, null, $"{statusText}: redirect to {response.Headers.Location} not followed");
        return new CallResult(CallOutcome.ClientError, status, null, WithBody(statusText, body));
    }

    /// <summary>Retry-After as seconds or an HTTP date; null when absent or unreadable.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }

    private static string WithBody(string statusText, string body) => body.Length == 0 ? statusText : $"{statusText}: {Snippet(body)}";

    private static string Snippet(string text)
    {
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length <= MaxReasonBody ? text : text[..MaxReasonBody] + "...";
    }

    private static CallResult Redact(CallResult result, string? secret) =>
        secret is { Length: >= 4 } && result.Reason.Contains(secret, StringComparison.Ordinal)
            ? result with { Reason = result.Reason.Replace(secret, "[redacted]", StringComparison.Ordinal) }
            : result;

    /// <summary>
    /// The delivery id is the Idempotency-Key when it can travel in a header as it is; otherwise (control or
    /// non-ASCII characters, or too long) its SHA-256, which is just as stable.
    /// </summary>
    public static string IdempotencyKey(string deliveryId) =>
        deliveryId.Length is > 0 and <= 200 && deliveryId.All(c => c is > ' ' and <= '~')
            ? deliveryId
            : "sha256-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(deliveryId)));

    public void Dispose() => _client.Dispose();
}
