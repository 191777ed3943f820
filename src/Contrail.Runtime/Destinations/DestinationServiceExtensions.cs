using Contrail.Bus;
using Microsoft.Extensions.DependencyInjection;
using Contrail.Observability;

namespace Contrail.Destinations;

public static class DestinationServiceExtensions
{
    /// <summary>Registers destinations: registry, sender, dispatcher, metrics, and the <c>destination</c> rule target kind, subscription protocol and alarm metric source.</summary>
    public static IServiceCollection AddContrailDestinations(this IServiceCollection services)
    {
        services.AddSingleton(new DestinationDeclarations());
        services.AddSingleton<SecretResolver>();
        services.AddSingleton<DestinationRegistry>();
        services.AddSingleton<DestinationSender>();
        services.AddSingleton<DestinationMetrics>();
        services.AddSingleton<DestinationMonitor>();
        services.AddSingleton(sp => DestinationTargets.Kind(sp.GetRequiredService<DestinationRegistry>()));
        services.AddSingleton(sp => DestinationTargets.Protocol(sp.GetRequiredService<DestinationRegistry>()));
        services.AddSingleton(sp => DestinationTargets.MetricSource(sp.GetRequiredService<DestinationRegistry>(),
            sp.GetRequiredService<DestinationMonitor>(), sp.GetRequiredService<DeliveryCounters>()));
        services.AddHostedService<DestinationDispatcher>();
        return services;
    }

    /// <summary>
    /// Declares a destination an application delivers to, written at start-up with origin "application"
    /// (the configuration is its source of truth: the API may read it but not change it).
    /// </summary>
    public static IServiceCollection AddDestination(this IServiceCollection services, string name, DestinationDefinition definition)
    {
        var declarations = (DestinationDeclarations)services.First(d => d.ServiceType == typeof(DestinationDeclarations)).ImplementationInstance!;
        declarations.Items.Add((name, definition));
        return services;
    }
}
