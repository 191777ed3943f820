using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Contrail.Applications.FlightPulse;

/// <summary>Settings <c>FlightPulse:Llm:*</c>: an OpenAI-compatible chat endpoint. Off unless <see cref="BaseUrl"/> is set.</summary>
public sealed class LlmOptions
{
    /// <summary>For example <c>https://api.openai.com/v1</c>; <c>/chat/completions</c> is appended.</summary>
    public string? BaseUrl { get; set; }

    public string Model { get; set; } = "gpt-4o-mini";

    /// <summary>Sent as a bearer token; from the environment or a secrets file, never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>After this the template is used (the original waited up to 120 s; a passenger should not).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Personalised messages from an LLM, with FlightPulse's prompt. Its answer is used only when it is a JSON
/// object with the three texts (nothing around it but an optional code fence), states the flight id and the
/// new time or gate correctly, mentions no other flight or time, and its SMS fits one message; otherwise the
/// caller falls back to the templates. Each call is counted once: a success, or a failure with its reason
/// (timeout, http_error, invalid_json, fact_check), which is also a fallback.
/// </summary>
public sealed partial class LlmMessenger(HttpClient http, LlmOptions options, FlightPulseMetrics metrics, ILogger<LlmMessenger> logger)
{
    public async Task<ComposedMessage?> TryComposeAsync(MessageContext context, CancellationToken ct)
    {
        string content;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(options.Timeout);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, options.BaseUrl!.TrimEnd('/') + "/chat/completions")
                {
                    Content = new StringContent(RequestBody(context), Encoding.UTF8, "application/json"),
                };
                if (!string.IsNullOrEmpty(options.ApiKey)) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
                using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode) return Fail("http_error", $"status {(int)response.StatusCode}");
                content = (string?)JsonNode.Parse(body)?["choices"]?[0]?["message"]?["content"] ?? throw new JsonException("no choices[0].message.content");
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return Fail("timeout", $"no answer within {options.Timeout.TotalSeconds:0.#} s");
            }
            catch (HttpRequestException ex)
            {
                return Fail("http_error", ex.Message);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                return Fail("invalid_json", "the response is not a chat completion: " + ex.Message);
            }
        }

        if (Parse(content) is not { } message) return Fail("invalid_json", "the message content is not a JSON object with email_subject, email_body and sms_body");
        if (FactCheck(message, context) is { } wrong) return Fail("fact_check", wrong);
        metrics.LlmSucceeded();
        return message;
    }

    private ComposedMessage? Fail(string reason, string detail)
    {
        metrics.LlmFailed(reason);
        logger.LogWarning("LLM message rejected ({Reason}: {Detail}); the template is used", reason, detail);
        return null;
    }

    private string RequestBody(MessageContext context) => new JsonObject
    {
        ["model"] = options.Model,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = Prompt(context) }),
        ["max_tokens"] = 1000,
        ["response_format"] = new JsonObject { ["type"] = "json_object" },
    }.ToJsonString();

    /// <summary>The original's prompt, plus the facts the answer is checked against.</summary>
    public static string Prompt(MessageContext context)
    {
        var v = context.Values;
        var tier = (string)v["tier"]!;
        var tone = context.MessageType switch
        {
            MessageTypes.Delay => "informative",
            MessageTypes.Cancellation => "apologetic",
            _ => "urgent",
        };
        var facts = new StringBuilder($"- Use the flight ID exactly as {context.FlightId}; mention no other flight.\n");
        if (v["new_departure_time"] is string time) facts.Append($"- State the new departure time as {time} UTC.\n");
        if (context.MessageType == MessageTypes.GateChange) facts.Append($"- State the new gate as {v["new_gate"]}.\n");
        if (context.MessageType == MessageTypes.Cancellation) facts.Append("- Say that the flight is cancelled.\n");
        return $"""
            Generate a personalized, empathetic notification message for an airline passenger.

            Passenger Details:
            - Name: {v["first_name"]}
            - Tier: {tier}
            - Special Requests: {(context.SpecialRequests.Count == 0 ? "None" : string.Join(", ", context.SpecialRequests))}

            Flight Event:
            - Type: {context.MessageType}
            - Flight ID: {context.FlightId}
            - Details: {context.Detail.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}

            Requirements:
            1. Address passenger by first name
            2. {(tier is Tiers.AList or Tiers.AListPreferred ? "Acknowledge A-LIST status with priority language" : "Use standard friendly tone")}
            3. {(context.SpecialRequests.Count > 0 ? "Mention special assistance needs" : "")}
            4. Adjust tone: {tone}
            5. Include actionable next steps
            6. Keep SMS under 160 characters

            Facts that must be right:
            {facts}
            Generate JSON response with:
            - email_subject: Brief subject line
            - email_body: 2-3 paragraph message
            - sms_body: Concise message under 160 chars
            """;
    }

    /// <summary>
    /// The whole content must be one JSON object (a ```json fence around it is tolerated); unlike the original,
    /// no "first {...} anywhere" extraction, which accepts half-broken answers.
    /// </summary>
    public static ComposedMessage? Parse(string content)
    {
        var text = content.Trim();
        if (text.StartsWith("```", StringComparison.Ordinal))
        {
            var firstNewline = text.IndexOf('\n');
            if (firstNewline < 0 || !text.EndsWith("```", StringComparison.Ordinal)) return null;
            text = text[(firstNewline + 1)..^3].Trim();
        }
        try
        {
            if (JsonNode.Parse(text) is not JsonObject answer) return null;
            string? Field(string name) => answer[name] is JsonValue value && value.TryGetValue<string>(out var s) && s.Trim().Length > 0 ? s.Trim() : null;
            var (subject, body, sms) = (Field("email_subject"), Field("email_body"), Field("sms_body"));
            return subject is null || body is null || sms is null ? null : new ComposedMessage(subject, body, sms, "llm");
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>What is wrong with the message's facts, or null when they are right.</summary>
    public static string? FactCheck(ComposedMessage message, MessageContext context)
    {
        var all = message.EmailSubject + "\n" + message.EmailBody + "\n" + message.Sms;
        if (!message.EmailBody.Contains(context.FlightId, StringComparison.OrdinalIgnoreCase) && !message.EmailSubject.Contains(context.FlightId, StringComparison.OrdinalIgnoreCase))
            return $"the email does not name flight {context.FlightId}";
        if (!message.Sms.Contains(context.FlightId, StringComparison.OrdinalIgnoreCase)) return $"the SMS does not name flight {context.FlightId}";
        foreach (Match flight in FlightToken().Matches(all))
            if (!string.Equals(flight.Value, context.FlightId, StringComparison.OrdinalIgnoreCase)) return $"it names another flight, {flight.Value}";
        var known = context.KnownTimes().ToHashSet();
        foreach (Match time in ClockToken().Matches(all))
            if (!known.Contains(time.Value)) return $"it states a time, {time.Value}, that is none of the flight's times";
        switch (context.MessageType)
        {
            case MessageTypes.Delay when context.Values["new_departure_time"] is string departure:
                if (!message.EmailBody.Contains(departure, StringComparison.Ordinal)) return $"the email does not state the new departure time {departure}";
                break;
            case MessageTypes.GateChange:
                var gate = (string)context.Values["new_gate"]!;
                var gatePattern = new Regex(@"\b" + Regex.Escape(gate) + @"\b", RegexOptions.IgnoreCase);
                if (!gatePattern.IsMatch(message.EmailBody) || !gatePattern.IsMatch(message.Sms)) return $"the new gate {gate} is missing";
                break;
            case MessageTypes.Cancellation:
                if (!message.EmailBody.Contains("cancel", StringComparison.OrdinalIgnoreCase) || !message.Sms.Contains("cancel", StringComparison.OrdinalIgnoreCase))
                    return "it does not say the flight is cancelled";
                break;
        }
        if (!SmsText.Fits(message.Sms)) return $"the SMS is {SmsText.Length(message.Sms)} units, over the limit of {SmsText.Limit(message.Sms)}";
        return null;
    }

    [GeneratedRegex(@"\b[A-Z]{2}[0-9]{3,4}\b")] private static partial Regex FlightToken();
    [GeneratedRegex(@"\b[0-2][0-9]:[0-5][0-9]\b")] private static partial Regex ClockToken();
}
