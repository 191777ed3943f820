using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Contrail.Storage;

/// <summary>
/// The write path shared by the providers: a bounded channel of units of work drained by writer threads,
/// each with a connection of its own. A writer takes what is waiting (up to a batch), runs each unit in a
/// savepoint inside one transaction and commits once (group commit), then completes the callers. SQLite
/// has one writer (it has one writer anyway); PostgreSQL several, since it commits in parallel.
/// </summary>
internal sealed class WriteQueue : IAsyncDisposable
{
    private readonly Channel<WriteOp> _channel;
    private readonly List<Thread> _threads = [];
    private readonly int _maxBatch;
    private readonly StoreSignals _signals;
    private readonly ILogger _logger;

    public WriteQueue(int capacity, int maxBatch, StoreSignals signals, ILogger logger)
    {
        _maxBatch = maxBatch;
        _signals = signals;
        _logger = logger;
        _channel = Channel.CreateBounded<WriteOp>(new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>Starts a writer thread on <paramref name="writer"/>'s connection (already open).</summary>
    public void StartWriter(StoreWriter writer, string name)
    {
        var thread = new Thread(() => WriterLoop(writer)) { IsBackground = true, Name = name };
        _threads.Add(thread);
        thread.Start();
    }

    public Task<T> WriteAsync<T>(Func<StoreWriter, T> work, bool failWhenSaturated, CancellationToken ct)
    {
        var op = new WriteOp<T>(work, ct);
        if (_channel.Writer.TryWrite(op)) return op.Task;
        if (failWhenSaturated) return Task.FromException<T>(new StoreSaturatedException());
        return WriteSlowAsync(op, ct);
    }

    private async Task<T> WriteSlowAsync<T>(WriteOp<T> op, CancellationToken ct)
    {
        await _channel.Writer.WriteAsync(op, ct).ConfigureAwait(false);
        return await op.Task.ConfigureAwait(false);
    }

    private void WriterLoop(StoreWriter writer)
    {
        var batch = new List<WriteOp>(_maxBatch);
        var reader = _channel.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < _maxBatch && reader.TryRead(out var op))
                if (!op.IsCancelled) batch.Add(op);
            if (batch.Count > 0) CommitBatch(writer, batch);
        }
    }

    private void CommitBatch(StoreWriter writer, List<WriteOp> batch)
    {
        var useSavepoints = batch.Count > 1;
        var failed = 0;
        try
        {
            using var transaction = writer.Connection.BeginTransaction();
            writer.Transaction = transaction;
            foreach (var op in batch)
            {
                var mark = writer.Mark();
                if (useSavepoints) writer.ExecuteFixed("SAVEPOINT unit");
                try
                {
                    op.Run(writer);
                    if (useSavepoints) writer.ExecuteFixed("RELEASE SAVEPOINT unit");
                }
                catch (Exception ex)
                {
                    failed++;
                    writer.RollbackTo(mark);
                    if (useSavepoints)
                    {
                        writer.ExecuteFixed("ROLLBACK TO SAVEPOINT unit");
                        writer.ExecuteFixed("RELEASE SAVEPOINT unit");
                    }
                    op.Fail(ex);
                }
            }
            if (!useSavepoints && failed > 0)
            {
                transaction.Rollback();
                writer.Reset();
                return;
            }
            transaction.Commit();
        }
        catch (Exception ex)
        {
            // The commit itself failed (disk full, I/O error, lost connection): nothing in the batch is durable.
            _logger.LogError(ex, "Commit of {Count} units of work failed", batch.Count);
            writer.Reset();
            foreach (var op in batch) op.Fail(ex);
            if (writer.Connection.State != System.Data.ConnectionState.Open) TryReopen(writer);
            return;
        }
        finally
        {
            writer.Transaction = null;
        }

        writer.Committed(_signals);
        foreach (var op in batch) op.Complete();
    }

    private void TryReopen(StoreWriter writer)
    {
        try
        {
            writer.ResetCommands();
            writer.Connection.Open();
        }
        catch (DbException ex)
        {
            _logger.LogError(ex, "Reopening a writer connection failed; the next batch will try again");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await Task.Run(() => { foreach (var thread in _threads) thread.Join(); }).ConfigureAwait(false);
    }
}
