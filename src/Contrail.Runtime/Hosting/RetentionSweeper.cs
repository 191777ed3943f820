using Contrail.Queues;
using Contrail.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contrail.Hosting;

/// <summary>
/// Removes what retention no longer keeps: old events, idempotency keys, change-feed entries and message
/// history, messages past their queue's retention, and ended workflow executions with their history. Deletes in small batches so the writer is never
/// held for long.
/// </summary>
internal sealed class RetentionSweeper(Store store, IOptions<ContrailOptions> options, ILogger<RetentionSweeper> logger) : BackgroundService
{
    private const int BatchSize = 5_000;
    private const int ExecutionBatchSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = options.Value.Retention;
        using var timer = new PeriodicTimer(retention.SweepInterval, store.Time);
        do
        {
            try { await SweepAsync(retention, stoppingToken); }
            catch (Exception ex) when (ex is not OperationCanceledException) { logger.LogError(ex, "Retention sweep failed"); }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task SweepAsync(RetentionOptions retention, CancellationToken ct)
    {
        var now = store.Time.GetUtcNow().ToUnixTimeMilliseconds();
        long Before(TimeSpan keep) => now - (long)keep.TotalMilliseconds;

        var events = await DrainAsync(w => w.EventDeleteReceivedBefore(Before(retention.Events), BatchSize), ct);
        var keys = await store.WriteAsync(w => w.IdempotencyDeleteCreatedBefore(Before(retention.IdempotencyKeys)), ct: ct);
        var changes = await DrainAsync(w => w.ChangeDeleteCommittedBefore(Before(retention.ChangeFeed), BatchSize), ct);
        var expired = 0;
        foreach (var queue in store.Read(r => r.QueueListAll()))
        {
            var before = now - queue.Attributes.MessageRetentionSeconds * 1000L;
            expired += await store.WriteAsync(w => w.MessageExpireEnqueuedBefore(queue.Name, before), ct: ct);
        }
        var history = await DrainAsync(w => w.MessageHistoryDeleteDoneBefore(Before(retention.MessageHistory), BatchSize), ct);
        // Delivered ids are remembered as long as idempotency keys; a duplicate enqueued after that would be sent again.
        var delivered = await DrainAsync(w => w.DestinationDeliveryDeleteBefore(Before(retention.IdempotencyKeys), BatchSize), ct);
        // An execution's history can be many rows: fewer executions per transaction.
        var executions = await DrainAsync(w => w.WorkflowExecutionDeleteStoppedBefore(Before(retention.Executions), ExecutionBatchSize), ct, ExecutionBatchSize);
        if (events + keys + changes + expired + history + delivered + executions > 0)
            logger.LogInformation("Retention swept {Events} events, {Keys} idempotency keys, {Changes} changes, {Expired} expired messages, {History} history rows, {Delivered} delivery records, {Executions} workflow executions",
                events, keys, changes, expired, history, delivered, executions);
    }

    private async Task<int> DrainAsync(Func<StoreWriter, int> deleteBatch, CancellationToken ct, int batchSize = BatchSize)
    {
        var total = 0;
        int deleted;
        do
        {
            deleted = await store.WriteAsync(deleteBatch, ct: ct);
            total += deleted;
        }
        while (deleted == batchSize && !ct.IsCancellationRequested);
        return total;
    }
}
