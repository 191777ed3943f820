using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Contrail.Events;
using HandlebarsDotNet;

namespace Contrail.Applications.FlightPulse;

/// <summary>What a notification says: email subject and body, and the SMS text (also the push text), and who wrote it.</summary>
public sealed record ComposedMessage(string EmailSubject, string EmailBody, string Sms, string Source);

/// <summary>
/// The facts one passenger's message is made from: the passenger (name, tier, special requests), the booking
/// and the event's detail. The same facts feed the templates and the LLM prompt, and the LLM's answer is
/// checked against them.
/// </summary>
public sealed class MessageContext
{
    public MessageContext(string messageType, JsonObject passenger, JsonObject? booking, JsonObject detail)
    {
        MessageType = messageType;
        Passenger = passenger;
        Detail = detail;
        FlightId = (string?)detail["flight_id"] ?? "your flight";
        var tier = (string?)passenger["tier"] ?? Tiers.Member;
        var requests = passenger["special_requests"] is JsonArray list ? list.Select(r => (string?)r).OfType<string>().ToList() : [];
        SpecialRequests = requests;
        var values = new Dictionary<string, object?>
        {
            ["first_name"] = (string?)passenger["first_name"] is { Length: > 0 } first ? first : "Valued Passenger",
            ["last_name"] = (string?)passenger["last_name"],
            ["tier"] = tier,
            ["priority"] = tier is Tiers.AList or Tiers.AListPreferred,
            ["special_requests"] = requests,
            ["special_requests_text"] = requests.Count == 0 ? null : Humanize(requests),
            ["flight_id"] = FlightId,
            ["origin"] = (string?)detail["flight_details"]?["origin"],
            ["destination"] = (string?)detail["flight_details"]?["destination"],
            ["scheduled_departure_time"] = ClockTime((string?)detail["flight_details"]?["original_departure"]),
            ["delay_minutes"] = FlightPulseRecords.Number(detail["delay_minutes"]) ?? 0,
            ["severe"] = (string?)detail["delay_category"] == "SEVERE",
            ["reason_text"] = ReasonText((string?)detail["reason"], (string?)detail["reason_detail"]),
            ["new_departure_time"] = ClockTime((string?)detail["new_departure"]),
            ["new_arrival_time"] = ClockTime((string?)detail["new_arrival"]),
            ["new_gate"] = (string?)detail["new_gate"] ?? "TBD",
            ["old_gate"] = (string?)detail["old_gate"],
            ["terminal_change"] = (bool?)detail["terminal_change"] ?? false,
            ["rebooking_priority"] = (string?)detail["rebooking_priority"],
            ["confirmation_number"] = (string?)booking?["confirmation_number"],
            ["seat"] = (string?)booking?["seat"],
        };
        Values = values;
    }

    public string MessageType { get; }
    public JsonObject Passenger { get; }
    public JsonObject Detail { get; }
    public string FlightId { get; }
    public IReadOnlyList<string> SpecialRequests { get; }

    /// <summary>The template variables, snake_case.</summary>
    public IReadOnlyDictionary<string, object?> Values { get; }

    /// <summary>delay, cancellation or gate_change: the template file prefix.</summary>
    public string TemplatePrefix => MessageType switch
    {
        MessageTypes.Cancellation => "cancellation",
        MessageTypes.GateChange => "gate_change",
        _ => "delay",
    };

    /// <summary>The times a message may mention, as HH:mm (UTC): anything else is a wrong fact.</summary>
    public IEnumerable<string> KnownTimes() =>
        new[] { "new_departure_time", "new_arrival_time", "scheduled_departure_time" }.Select(k => Values[k] as string).OfType<string>();

    /// <summary>"wheelchair_assistance" reads as "wheelchair assistance".</summary>
    private static string Humanize(List<string> requests) =>
        string.Join(" and ", requests.Select(r => r.Replace('_', ' ').ToLowerInvariant()));

    private static string? ReasonText(string? reason, string? detail) =>
        detail is { Length: > 0 } ? char.ToLowerInvariant(detail[0]) + detail[1..] : reason?.ToLowerInvariant() switch
        {
            null => null,
            "atc" => "air traffic control",
            "crew" => "crew scheduling",
            "mechanical" => "a mechanical issue",
            "other" => null,
            var r => r,
        };

    public static string? ClockTime(string? iso) =>
        iso is not null && EventTime.TryParse(iso, out var time) ? time.UtcDateTime.ToString("HH:mm", CultureInfo.InvariantCulture) : null;
}

public static class MessageTypes
{
    public const string Delay = "DELAY_NOTIFICATION";
    public const string Cancellation = "CANCELLATION_NOTIFICATION";
    public const string GateChange = "GATE_CHANGE_NOTIFICATION";
}

/// <summary>
/// The message templates (Handlebars): built-in defaults embedded in the executable, each replaced by a file of
/// the same name in <c>{data-dir}/templates</c> when there is one (<c>delay.email_subject.hbs</c>,
/// <c>delay.email_body.hbs</c>, <c>delay.sms.hbs</c>, and the same for <c>cancellation</c> and
/// <c>gate_change</c>). Read at start-up; an override that does not compile is reported and the default used.
/// </summary>
public sealed partial class MessageTemplates
{
    public static readonly string[] Prefixes = ["delay", "cancellation", "gate_change"];
    public static readonly string[] Parts = ["email_subject", "email_body", "sms"];

    private readonly Dictionary<string, HandlebarsTemplate<object, object>> _templates = new(StringComparer.Ordinal);

    public MessageTemplates(string? overrideDirectory, ILogger logger)
    {
        // Plain text, not HTML: nothing to escape.
        var handlebars = Handlebars.Create(new HandlebarsConfiguration { NoEscape = true });
        foreach (var prefix in Prefixes)
            foreach (var part in Parts)
            {
                var name = $"{prefix}.{part}.hbs";
                var path = overrideDirectory is null ? null : Path.Combine(overrideDirectory, name);
                if (path is not null && File.Exists(path))
                {
                    try
                    {
                        _templates[name] = handlebars.Compile(File.ReadAllText(path));
                        logger.LogInformation("Message template {Template} overridden from {Path}", name, path);
                        continue;
                    }
                    catch (Exception ex) when (ex is HandlebarsException or IOException)
                    {
                        logger.LogError(ex, "Message template {Path} does not compile; the built-in {Template} is used", path, name);
                    }
                }
                _templates[name] = handlebars.Compile(Default(name));
            }
    }

    public static string Default(string name)
    {
        using var stream = typeof(MessageTemplates).Assembly.GetManifestResourceStream("FlightPulse/Templates/" + name)
            ?? throw new InvalidOperationException($"built-in template {name} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public ComposedMessage Render(MessageContext context)
    {
        string Part(string part) => _templates[$"{context.TemplatePrefix}.{part}.hbs"](context.Values);
        return new ComposedMessage(
            OneLine(Part("email_subject")),
            BlankLines().Replace(Part("email_body").Trim(), "\n\n"),
            SmsText.Fit(OneLine(Part("sms"))),
            "template");
    }

    private static string OneLine(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\n{3,}")] private static partial Regex BlankLines();
    [GeneratedRegex(@"\s+")] private static partial Regex Whitespace();
}

/// <summary>
/// One SMS: 160 characters when the text is GSM-7 (the extension characters <c>^{}\[~]|€</c> count twice),
/// otherwise 70 UTF-16 units (UCS-2). A longer text is cut at a word boundary and ends with an ellipsis.
/// </summary>
public static class SmsText
{
    public const int Gsm7Limit = 160;
    public const int Ucs2Limit = 70;

    private const string Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    private const string Extension = "^{}\\[~]|€\f";

    public static bool IsGsm7(string text) => text.All(c => Basic.Contains(c) || Extension.Contains(c));

    /// <summary>The text's length in its encoding's units (septets for GSM-7, UTF-16 units for UCS-2).</summary>
    public static int Length(string text) => IsGsm7(text) ? text.Sum(c => Extension.Contains(c) ? 2 : 1) : text.Length;

    public static int Limit(string text) => IsGsm7(text) ? Gsm7Limit : Ucs2Limit;

    public static bool Fits(string text) => Length(text) <= Limit(text);

    public static string Fit(string text)
    {
        if (Fits(text)) return text;
        var gsm = IsGsm7(text);
        var ellipsis = gsm ? "..." : "…";
        var budget = (gsm ? Gsm7Limit : Ucs2Limit) - Length(ellipsis);
        var end = 0;
        var used = 0;
        while (end < text.Length)
        {
            var width = char.IsHighSurrogate(text[end]) && end + 1 < text.Length ? 2 : 1;
            var cost = gsm ? (Extension.Contains(text[end]) ? 2 : 1) : width;
            if (used + cost > budget) break;
            used += cost;
            end += width;
        }
        // Cut at the last space when that keeps most of the text, so no word is broken.
        var space = text.LastIndexOf(' ', Math.Max(0, end - 1));
        if (space > end / 2) end = space;
        return text[..end].TrimEnd(' ', ',', ';', ':', '-', '.') + ellipsis;
    }
}

/// <summary>Templates, or the LLM when one is configured and its answer passes the checks.</summary>
public sealed class MessageComposer(MessageTemplates templates, LlmMessenger? llm)
{
    public async ValueTask<ComposedMessage> ComposeAsync(MessageContext context, CancellationToken ct)
    {
        if (llm is not null && await llm.TryComposeAsync(context, ct).ConfigureAwait(false) is { } message) return message;
        return templates.Render(context);
    }
}
