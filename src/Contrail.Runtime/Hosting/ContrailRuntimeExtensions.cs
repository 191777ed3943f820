using System.Text.Json;
using Contrail.Alarms;
using Contrail.Archives;
using Contrail.Auth;
using Contrail.Bus;
using Contrail.Destinations;
using Contrail.Events;
using Contrail.Json;
using Contrail.Observability;
using Contrail.Queues;
using Contrail.Storage;
using Contrail.Storage.Sqlite;
using Contrail.Workflows;
using Contrail.Topics;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contrail.Hosting;

/// <summary>Registers and maps the runtime: store, bus, queues, ingest, keys, health, problem details.</summary>
public static class ContrailRuntimeExtensions
{
    public static IServiceCollection AddContrailRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ContrailOptions>(configuration);
        services.AddSingleton(TimeProvider.System);
        // Activities must exist for trace ids to reach stored events, messages and logs, exporter or not.
        services.AddSingleton(new ActivityListenerHandle(ContrailTelemetry.Listen()));
        services.AddSingleton(OpenStore);
        services.AddSingleton(new Declarations());
        services.AddSingleton<DeliveryCounters>();
        services.AddSingleton<EventBus>();
        services.AddSingleton<QueueRegistry>();
        services.AddSingleton<TopicRegistry>();
        services.AddSingleton<ArchiveRegistry>();
        services.AddSingleton<ArchiveWriter>();
        services.AddSingleton<AsyncTargetDelivery>();
        services.AddSingleton<AlarmEvaluator>();
        services.AddSingleton<EventIngest>();
        services.AddSingleton(NativeEventFormat.Format);
        services.AddSingleton<ApiKeys>();
        services.AddSingleton<Functions.FunctionRegistry>();
        services.AddSingleton<StateMachineRegistry>();
        services.AddSingleton<WorkflowRunner>();
        services.AddSingleton<WorkflowService>();
        services.AddSingleton(WorkflowTargets.Kind);
        services.AddOptions<QueueConsumerOptions>().Bind(configuration.GetSection("Queues"));
        services.AddOptions<WorkflowOptions>().Bind(configuration.GetSection("Workflows"));
        services.AddOptions<BusOptions>().Bind(configuration.GetSection("Bus"));
        services.AddOptions<RuleOptions>().Bind(configuration.GetSection("Rules"));
        services.AddOptions<ArchiveOptions>().Bind(configuration.GetSection("Archive"));
        services.AddOptions<AlarmOptions>().Bind(configuration.GetSection("Alarms"));

        // Extension points: a new target kind, subscription protocol or alarm metric source is one registration.
        services.AddSingleton(sp => QueueTargets.Kind(sp.GetRequiredService<QueueRegistry>()));
        services.AddSingleton(sp => TopicTargets.Kind(sp.GetRequiredService<TopicRegistry>()));
        services.AddSingleton(sp => LogTargets.Kind(sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => QueueSubscriptions.Protocol(sp.GetRequiredService<QueueRegistry>()));
        services.AddSingleton(sp => MetricSources.Queue(sp.GetRequiredService<DeliveryCounters>()));
        services.AddSingleton(sp => MetricSources.RuleTarget(sp.GetRequiredService<DeliveryCounters>(), sp.GetRequiredService<EventBus>()));
        services.AddQueueConsumer(sp => sp.GetRequiredService<AsyncTargetDelivery>().Consumer);

        // Order matters: start-up declarations run before consumers start; consumers stop before the store closes.
        services.AddHostedService<RuntimeStartup>();
        services.AddHostedService<QueueConsumerService>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkflowRunner>());
        services.AddHostedService<RetentionSweeper>();
        // After RuntimeStartup: destination runners read the queues it loaded.
        services.AddContrailDestinations();
        services.AddHostedService(sp => sp.GetRequiredService<ArchiveWriter>());
        services.AddHostedService<ReplayRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<AlarmEvaluator>());
        services.AddHostedService<BusRefresher>();

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Scopes.Ingest, p => p.RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, Scopes.Ingest))
            .AddPolicy(Scopes.Read, p => p.RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, Scopes.Read))
            .AddPolicy(Scopes.Admin, p => p.RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, Scopes.Admin));

        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = ContrailJson.Options.PropertyNamingPolicy;
            o.SerializerOptions.DictionaryKeyPolicy = null;
            foreach (var converter in ContrailJson.Options.Converters) o.SerializerOptions.Converters.Add(converter);
        });
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: ["ready"]);
        services.AddOpenApi();
        return services;
    }

    /// <summary>Declares a queue the application needs (created at start-up when missing).</summary>
    public static IServiceCollection AddQueue(this IServiceCollection services, string name, QueueAttributes? attributes = null)
    {
        DeclarationsOf(services).Queues.Add((name, attributes ?? new QueueAttributes()));
        return services;
    }

    /// <summary>Declares a rule the application routes with (written at start-up).</summary>
    public static IServiceCollection AddRule(this IServiceCollection services, Rule rule)
    {
        DeclarationsOf(services).Rules.Add(rule);
        return services;
    }

    /// <summary>Declares a state machine (an ASL definition) the application runs; written at start-up.</summary>
    public static IServiceCollection AddStateMachine(this IServiceCollection services, string name, string definition)
    {
        DeclarationsOf(services).StateMachines.Add((name, definition));
        return services;
    }

    /// <summary>Declares an archive the application keeps (written at start-up; read-only through the API).</summary>
    public static IServiceCollection AddArchive(this IServiceCollection services, string name, Archive archive)
    {
        DeclarationsOf(services).Archives.Add((name, archive));
        return services;
    }

    /// <summary>Binds a handler to a queue.</summary>
    public static IServiceCollection AddQueueConsumer(this IServiceCollection services, Func<IServiceProvider, QueueConsumerRegistration> registration) =>
        services.AddSingleton(registration);

    private static Declarations DeclarationsOf(IServiceCollection services) =>
        (Declarations)services.First(d => d.ServiceType == typeof(Declarations)).ImplementationInstance!;

    private static Store OpenStore(IServiceProvider services) => OpenStore(
        services.GetRequiredService<IOptions<ContrailOptions>>().Value, services.GetRequiredService<TimeProvider>(),
        services.GetRequiredService<ILoggerFactory>().CreateLogger("Contrail.Storage"));

    /// <summary>Opens the store the settings name; also for the tools that work on a store without a server.</summary>
    public static Store OpenStore(ContrailOptions options, TimeProvider time, ILogger logger)
    {
        return options.Storage.Provider switch
        {
            "sqlite" => SqliteStore.Open(new SqliteStoreOptions
            {
                DataDirectory = options.DataDir, Synchronous = options.Storage.Synchronous, WriteQueueCapacity = options.Storage.WriteQueueCapacity,
            }, time, logger),
            "postgres" => Storage.Postgres.PostgresStore.Open(new Storage.Postgres.PostgresStoreOptions
            {
                ConnectionString = options.Storage.ConnectionString ?? "", WriteQueueCapacity = options.Storage.WriteQueueCapacity,
            }, time, logger),
            var other => throw new InvalidOperationException($"Storage:Provider '{other}' is not supported; use sqlite or postgres"),
        };
    }

    public static WebApplication MapContrailRuntime(this WebApplication app)
    {
        app.Services.GetRequiredService<ActivityListenerHandle>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealth }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteHealth }).AllowAnonymous();
        app.MapOpenApi().RequireAuthorization(Scopes.Read);
        app.MapEvents();
        app.MapQueues();
        app.MapWorkflows();
        app.MapDestinations();
        app.MapApiKeys();
        app.MapRules();
        app.MapTopics();
        app.MapArchives();
        app.MapAlarms();
        return app;
    }

    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["status"] = report.Status.ToString().ToLowerInvariant(),
            ["checks"] = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString().ToLowerInvariant()),
        }));
    }
}

/// <summary>Keeps the process's activity listener for the host's lifetime.</summary>
internal sealed class ActivityListenerHandle(IDisposable listener) : IDisposable
{
    public void Dispose() => listener.Dispose();
}

/// <summary>Ready when the store answers a read and the writer commits within two seconds.</summary>
internal sealed class StoreHealthCheck(Store store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            store.Read(r => r.NowMs);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await store.WriteAsync(_ => 0, ct: timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("store not ready", ex);
        }
    }
}
