using Contrail.Observability;
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
    DeliveryCounters counters,
    ILoggerFactory loggers) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abortHandlers = new();
    private readonly List<Task> _consumers = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var registration in registrations)
        {
            var consumer = new QueueConsumer(Counted(registration), store, queues, loggers.CreateLogger("Contrail.Queues." + registration.Queue), options.Value.PollInterval);
            _consumers.Add(Task.Run(() => consumer.RunAsync(_stopping.Token, _abortHandlers.Token), CancellationToken.None));
        }
        return Task.CompletedTask;
    }

    /// <summary>The registration with its handler counting outcomes, for alarms on a queue's errors and error rate.</summary>
    private QueueConsumerRegistration Counted(QueueConsumerRegistration registration)
    {
        var counter = counters.For(DeliveryCounters.Queue, registration.Queue);
        if (registration.TransactionalHandler is { } transactional)
            return registration with
            {
                TransactionalHandler = (writer, message) =>
                {
                    try { transactional(writer, message); }
                    catch { counter.Failed(); throw; }
                    writer.AfterCommit(counter.Succeeded);
                },
            };
        var handler = registration.Handler!;
        return registration with
        {
            Handler = async (message, ct) =>
            {
                try { await handler(message, ct).ConfigureAwait(false); }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    counter.Failed();
                    throw;
                }
                counter.Succeeded();
            },
        };
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _abortHandlers.CancelAfter(options.Value.ShutdownGrace);
        await Task.WhenAll(_consumers).ConfigureAwait(false);
    }
}
