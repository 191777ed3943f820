using Contrail.Applications.Flights;
using Contrail.Applications.Gateway;
using Contrail.Events;
using Contrail.Hosting;
using Microsoft.Extensions.Logging.Console;

namespace Contrail.Server;

/// <summary>
/// Composes the server: the runtime plus every application. Settings come, lowest first, from built-in
/// defaults, appsettings.json (next to the executable), environment variables (<c>CONTRAIL__SECTION__KEY</c>;
/// <c>CONTRAIL_API_KEY</c> for the bootstrap key) and finally the command line's flags.
/// </summary>
public static class ContrailServer
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    public static WebApplication Build(IReadOnlyDictionary<string, string?> flags, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Configuration.AddEnvironmentVariables("CONTRAIL__");
        if (Environment.GetEnvironmentVariable("CONTRAIL_API_KEY") is { Length: > 0 } apiKey)
            builder.Configuration.AddInMemoryCollection([new("ApiKey", apiKey)]);
        builder.Configuration.AddInMemoryCollection(flags);
        builder.WebHost.UseUrls(builder.Configuration["Urls"] ?? DefaultUrls);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
        });
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);

        var services = builder.Services;
        services.AddContrailRuntime(builder.Configuration);
        services.AddFlightEvents();
        services.AddGateway(builder.Configuration);
        // Applications not in this build yet: their formats are recognised so that clients get a clear 400.
        services.AddSingleton(UnavailableFormat.For("generic-ingest", 100, "eventType",
            "generic ingest ({\"eventType\": ...}) is not available in this version of Contrail"));
        services.AddSingleton(UnavailableFormat.For("flightpulse", 200, "event_type",
            "FlightPulse operational events ({\"event_type\": ...}) are not available in this version of Contrail"));
        configureServices?.Invoke(services);

        var app = builder.Build();
        app.MapContrailRuntime();
        app.MapFlights();
        app.MapGateway();
        return app;
    }
}
