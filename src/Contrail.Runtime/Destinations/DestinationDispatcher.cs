using System.Threading.Channels;
using Contrail.Queues;
using Contrail.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contrail.Destinations;

/// <summary>The destinations applications declare at start-up (from their configuration).</summary>
public sealed class DestinationDeclarations
{
    public List<(string Name, DestinationDefinition Definition)> Items { get; } = [];
}

/// <summary>
/// Runs one <see cref="DestinationRunner"/> per destination for the life of the host. Writes the declared
/// destinations at start-up; when a destination changes through the API its runner is stopped and started
/// again with the new definition. The rate limiter and the gate of a destination outlive its runners, so a
/// restart neither forgets the requests of the last second nor a Retry-After pause.
/// </summary>
internal sealed class DestinationDispatcher(
    Store store,
    QueueRegistry queues,
    DestinationRegistry registry,
    DestinationDeclarations declarations,
    SecretResolver secrets,
    DestinationSender sender,
    DestinationMetrics metrics,
    IOptions<QueueConsumerOptions> options,
    ILoggerFactory loggers,
    TimeProvider time) : IHostedService
{
    private readonly ILogger _logger = loggers.CreateLogger("Contrail.Destinations");
    private readonly Channel<string> _changes = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (SlidingWindowLimiter Limiter, DestinationGate Gate)> _limits = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task _control = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await DeclareAsync(cancellationToken);
        registry.Load();
        registry.Changed += name => _changes.Writer.TryWrite(name);
        foreach (var destination in registry.All) Start(destination);
        _control = Task.Run(ControlLoopAsync, CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _changes.Writer.TryComplete();
        await _control;
        await Task.WhenAll(_running.Values.Select(StopAsync));
        _running.Clear();
    }

    private async Task DeclareAsync(CancellationToken ct)
    {
        var valid = new List<(string Name, DestinationDefinition Definition)>();
        foreach (var (name, definition) in declarations.Items)
        {
            var problems = definition.Problems(secrets.Resolve);
            if (problems.Count == 0) valid.Add((name, definition));
            else
                _logger.LogError("Destination {Destination} declared by an application is not valid and was not written: {Problems}",
                    name, string.Join("; ", problems.Select(p => $"{p.Pointer}: {p.Detail}")));
        }
        if (valid.Count == 0) return;
        await store.WriteAsync(w =>
        {
            foreach (var (name, definition) in valid) registry.Upsert(w, name, definition, Destination.OriginApplication);
            return 0;
        }, ct: ct);
    }

    private async Task ControlLoopAsync()
    {
        try
        {
            await foreach (var name in _changes.Reader.ReadAllAsync(_stopping.Token))
            {
                if (_running.Remove(name, out var running)) await StopAsync(running);
                if (registry.TryGet(name, out var destination)) Start(destination);
                else _limits.Remove(name);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private void Start(Destination destination)
    {
        var definition = destination.Definition;
        if (_limits.TryGetValue(destination.Name, out var limits))
        {
            limits.Limiter.Limit = definition.RateLimitPerSecond;
            limits.Gate.BaseDelaySeconds = definition.Retry.BaseDelaySeconds;
        }
        else
        {
            limits = (new SlidingWindowLimiter(definition.RateLimitPerSecond, time), new DestinationGate(time, definition.Retry.BaseDelaySeconds));
            _limits[destination.Name] = limits;
        }
        var runner = new DestinationRunner(destination, store, queues, sender, metrics, limits.Limiter, limits.Gate,
            loggers.CreateLogger("Contrail.Destinations." + destination.Name), time, options.Value.PollInterval);
        var stopping = new CancellationTokenSource();
        var abort = new CancellationTokenSource();
        var task = Task.Run(async () =>
        {
            try { await runner.RunAsync(stopping.Token, abort.Token); }
            catch (Exception ex) { _logger.LogCritical(ex, "Destination {Destination} stopped delivering", destination.Name); }
        }, CancellationToken.None);
        _running[destination.Name] = new Running(task, stopping, abort);
    }

    private async Task StopAsync(Running running)
    {
        await running.Stopping.CancelAsync();
        running.Abort.CancelAfter(options.Value.ShutdownGrace);
        await running.Task;
        running.Stopping.Dispose();
        running.Abort.Dispose();
    }

    private sealed record Running(Task Task, CancellationTokenSource Stopping, CancellationTokenSource Abort);
}
