using System.Text.Json.Nodes;
using Contrail.Bus;
using Contrail.Events;
using Contrail.Hosting;
using Contrail.Queues;
using Contrail.Storage;
using Microsoft.Extensions.Options;

namespace Contrail.Applications.FlightPulse;

/// <summary>Settings <c>FlightPulse:*</c>.</summary>
public sealed class FlightPulseOptions
{
    /// <summary>14 CFR 259.8: passengers told within 30 minutes of the airline becoming aware.</summary>
    public TimeSpan RegulatoryDeadline { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often disruptions past their deadline are looked for.</summary>
    public TimeSpan RegulatoryCheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Template overrides; default <c>{DataDir}/templates</c>.</summary>
    public string? TemplatesDirectory { get; set; }

    public LlmOptions Llm { get; set; } = new();

    public DeliveryOptions Delivery { get; set; } = new();
}

/// <summary>Settings <c>FlightPulse:Delivery:*</c>: a real sender per channel, or the log sink when none is configured.</summary>
public sealed class DeliveryOptions
{
    public EmailDelivery Email { get; set; } = new();
    public WebhookDelivery Sms { get; set; } = new();
    public WebhookDelivery Push { get; set; } = new();

    public sealed class EmailDelivery
    {
        public SmtpOptions Smtp { get; set; } = new();
    }

    public sealed class WebhookDelivery
    {
        public WebhookOptions Webhook { get; set; } = new();
    }
}

/// <summary>
/// Seed 001, FlightPulse: disruption events (delay, cancellation, gate change) to every affected passenger,
/// correctly, once, fast. Operational events arrive on <c>POST /events</c> or from RabbitMQ, are categorised
/// and enriched, and rules route them to three workflows (ASL files in <c>Workflows/</c>) whose tasks are the
/// functions in <see cref="NotificationWorkflows"/>. Reference data (passengers, bookings; flights are the
/// shared flat record) arrives by import, PUT or bus events; booking status changes come off the change feed.
/// </summary>
public static class FlightPulseApplication
{
    public const string ReferenceRule = "flightpulse-reference-data";

    public static IServiceCollection AddFlightPulse(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("FlightPulse").Get<FlightPulseOptions>() ?? new FlightPulseOptions();
        services.AddSingleton(options);
        services.AddSingleton<FlightPulseMetrics>();
        services.AddSingleton(sp => OperationalEventFormat.Create(sp.GetRequiredService<Store>(), sp.GetRequiredService<FlightPulseMetrics>()));

        // Categorised events to their workflows (the original's five EventBridge rules, three targets).
        AddWorkflowRule(services, "flightpulse-delay", ["flight.delay.minor", "flight.delay.major", "flight.delay.severe"], NotificationWorkflows.Delay);
        AddWorkflowRule(services, "flightpulse-cancellation", ["flight.cancelled"], NotificationWorkflows.Cancellation);
        AddWorkflowRule(services, "flightpulse-gate-change", ["flight.gate_change"], NotificationWorkflows.GateChange);
        foreach (var name in NotificationWorkflows.Names) services.AddStateMachine(name, NotificationWorkflows.Definition(name));
        NotificationWorkflows.Register(services);
        services.AddSingleton<NotificationWorkflows>();

        services.AddSingleton(sp => new MessageTemplates(
            options.TemplatesDirectory ?? Path.Combine(sp.GetRequiredService<IOptions<ContrailOptions>>().Value.DataDir, "templates"),
            sp.GetRequiredService<ILogger<MessageTemplates>>()));
        services.AddSingleton(sp => new MessageComposer(sp.GetRequiredService<MessageTemplates>(),
            string.IsNullOrEmpty(options.Llm.BaseUrl) ? null
                : new LlmMessenger(OutboundHttp(), options.Llm, sp.GetRequiredService<FlightPulseMetrics>(), sp.GetRequiredService<ILogger<LlmMessenger>>())));
        services.AddSingleton(sp =>
        {
            INotificationSender log = new LogSender(sp.GetRequiredService<ILogger<LogSender>>());
            var delivery = options.Delivery;
            return new NotificationSenders(new Dictionary<string, INotificationSender>
            {
                [Channels.Email] = string.IsNullOrEmpty(delivery.Email.Smtp.Host) ? log : new SmtpSender(delivery.Email.Smtp),
                [Channels.Sms] = string.IsNullOrEmpty(delivery.Sms.Webhook.Url) ? log : new WebhookSender(OutboundHttp(), delivery.Sms.Webhook),
                [Channels.Push] = string.IsNullOrEmpty(delivery.Push.Webhook.Url) ? log : new WebhookSender(OutboundHttp(), delivery.Push.Webhook),
            });
        });

        services.AddQueue(ReferenceEvents.Queue);
        services.AddRule(new Rule
        {
            Name = ReferenceRule,
            Description = "Bookings created or cancelled and passengers updated, as events, change the reference data",
            EventPattern = new JsonObject { ["detail-type"] = new JsonArray(ReferenceEvents.DetailTypes.Select(t => (JsonNode?)t).ToArray()) },
            Targets = [new RuleTarget { Id = "reference-data", Type = "queue", Name = ReferenceEvents.Queue }],
        });
        services.AddQueueConsumer(_ => new QueueConsumerRegistration(ReferenceEvents.Queue, null, ReferenceEvents.Apply));

        services.AddHostedService<BookingStatusFeed>();
        services.AddHostedService<RegulatoryClock>();
        var rabbit = configuration.GetSection("Ingest:RabbitMq").Get<RabbitMqIngestOptions>() ?? new RabbitMqIngestOptions();
        if (rabbit.Enabled)
        {
            services.AddSingleton(rabbit);
            services.AddHostedService<RabbitMqIngest>();
        }
        return services;
    }

    private static void AddWorkflowRule(IServiceCollection services, string name, string[] detailTypes, string workflow) =>
        services.AddRule(new Rule
        {
            Name = name,
            Description = $"FlightPulse {string.Join(", ", detailTypes)} events start {workflow}",
            EventPattern = new JsonObject
            {
                ["source"] = new JsonArray(OperationalEventFormat.Source),
                ["detail-type"] = new JsonArray(detailTypes.Select(t => (JsonNode?)t).ToArray()),
            },
            Targets = [new RuleTarget { Id = "workflow", Type = "workflow", Name = workflow }],
        });

    /// <summary>One pooled client per outbound integration; connections are recycled so DNS changes are seen.</summary>
    private static HttpClient OutboundHttp() =>
        new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
}
