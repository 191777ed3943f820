using System.Net;
using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Contrail.Applications.FlightPulse;

/// <summary>
/// One message to one recipient on one channel. <see cref="Id"/> is the notification record's key
/// (<c>{event_id}/{passenger_id}/{channel}</c>): the same every time the message is (re)sent, so the receiving
/// side can drop a repeat after a crash.
/// </summary>
public sealed record OutboundMessage(string Id, string Channel, string Recipient, string? Subject, string Body, string EventId, string FlightId, string PassengerId);

/// <summary>Sends one channel's messages. At-least-once: a send may repeat after a crash, always with the same <see cref="OutboundMessage.Id"/>.</summary>
public interface INotificationSender
{
    /// <summary>"log", "smtp" or "webhook": recorded with the notification.</summary>
    string Kind { get; }

    ValueTask SendAsync(OutboundMessage message, CancellationToken ct);
}

/// <summary>
/// The default sink, as the original's CloudWatch log groups (<c>/flightpulse/notifications/email|sms</c>):
/// one structured log line per message. The line names the notification, never the address or the text.
/// </summary>
public sealed class LogSender(ILogger<LogSender> logger) : INotificationSender
{
    public string Kind => "log";

    public ValueTask SendAsync(OutboundMessage message, CancellationToken ct)
    {
        logger.LogInformation("Notification {NotificationId} sent by {Channel} to passenger {PassengerId} for flight {FlightId} (event {EventId})",
            message.Id, message.Channel, message.PassengerId, message.FlightId, message.EventId);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Settings <c>FlightPulse:Delivery:Email:Smtp:*</c>.</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 25;
    public bool EnableSsl { get; set; }
    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "FlightPulse <notifications@flightpulse.invalid>";

    /// <summary>The domain of the deterministic Message-IDs.</summary>
    public string MessageIdDomain { get; set; } = "flightpulse.contrail";
}

/// <summary>
/// Email over SMTP. The Message-ID is derived from the notification id, so a message sent again after a
/// crash carries the same Message-ID and mail systems (and people) can recognise the repeat.
/// </summary>
public sealed class SmtpSender(SmtpOptions options) : INotificationSender
{
    public string Kind => "smtp";

    public static string MessageId(string notificationId, string domain) =>
        $"<{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(notificationId)))[..32]}@{domain}>";

    public async ValueTask SendAsync(OutboundMessage message, CancellationToken ct)
    {
        using var mail = new MailMessage(new MailAddress(options.From), new MailAddress(message.Recipient))
        {
            Subject = message.Subject ?? "",
            Body = message.Body,
            BodyEncoding = Encoding.UTF8,
            SubjectEncoding = Encoding.UTF8,
        };
        mail.Headers["Message-ID"] = MessageId(message.Id, options.MessageIdDomain);
        mail.Headers["X-FlightPulse-Notification"] = message.Id;
        using var client = new SmtpClient(options.Host!, options.Port) { EnableSsl = options.EnableSsl, DeliveryMethod = SmtpDeliveryMethod.Network };
        if (options.UserName is { Length: > 0 }) client.Credentials = new NetworkCredential(options.UserName, options.Password);
        await client.SendMailAsync(mail, ct).ConfigureAwait(false);
    }
}

/// <summary>Settings for an HTTP webhook channel (<c>FlightPulse:Delivery:Sms:Webhook:*</c>, <c>...:Push:Webhook:*</c>).</summary>
public sealed class WebhookOptions
{
    public string? Url { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer</c>; never logged.</summary>
    public string? Token { get; set; }
}

/// <summary>
/// A channel delivered by POSTing <c>{id, channel, to, message, event_id, flight_id, passenger_id}</c> to an
/// HTTP endpoint (an SMS gateway), with <c>Idempotency-Key</c> set to the notification id. A non-2xx answer
/// fails the send, and the workflow retries it.
/// </summary>
public sealed class WebhookSender(HttpClient http, WebhookOptions options) : INotificationSender
{
    public string Kind => "webhook";

    public async ValueTask SendAsync(OutboundMessage message, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url)
        {
            Content = new StringContent(new JsonObject
            {
                ["id"] = message.Id,
                ["channel"] = message.Channel,
                ["to"] = message.Recipient,
                ["message"] = message.Body,
                ["event_id"] = message.EventId,
                ["flight_id"] = message.FlightId,
                ["passenger_id"] = message.PassengerId,
            }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", message.Id);
        if (options.Token is { Length: > 0 }) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", options.Token);
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"the {message.Channel} webhook answered {(int)response.StatusCode}", null, response.StatusCode);
    }
}

/// <summary>The sender of each channel: the configured one, else the log sink.</summary>
public sealed class NotificationSenders(IReadOnlyDictionary<string, INotificationSender> byChannel)
{
    public INotificationSender For(string channel) => byChannel[channel];
}
