using Contrail.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contrail.Queues;

public sealed class QueueConsumerOptions
{
    /// <summary>How long a consumer waits for a wake-up before it polls again (also bounds the delay of delayed messages).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long running handlers may take to finish at shutdown before they are cancelled and their messages released.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Runs every registered queue consumer for the lifetime of the host.</summary>
internal sealed class QueueConsumerService(
    IEnumerable<QueueConsumerRegistration> registrations,
    Store store,
    QueueRegistry queues,
    IOptions<QueueConsumerOptions> options,
    ILoggerFactory loggers) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abortHandlers = new();
    private readonly List<Task> _consumers = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var registration in registrations)
        {
            var consumer = new QueueConsumer(registration, store, queues, loggers.CreateLogger("Contrail.Queues." + registration.Queue), options.Value.PollInterval);
            _consumers.Add(Task.Run(() => consumer.RunAsync(_stopping.Token, _abortHandlers.Token), CancellationToken.None));
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _abortHandlers.CancelAfter(options.Value.ShutdownGrace);
        await Task.WhenAll(_consumers).ConfigureAwait(false);
    }
}
