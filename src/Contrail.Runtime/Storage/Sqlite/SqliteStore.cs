using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Contrail.Storage.Sqlite;

/// <summary>
/// The embedded provider: one SQLite file in WAL mode. All writes go through a single writer thread that
/// drains a bounded channel and commits what it drained in one transaction (group commit), each unit of
/// work inside a savepoint so that one failing unit does not undo the others. Readers use pooled
/// connections of their own and never block the writer.
/// </summary>
public sealed class SqliteStore : Store
{
    private readonly SqliteStoreOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<WriteOp> _channel;
    private readonly SqliteConnection _writeConnection;
    private readonly StoreWriter _writer;
    private readonly SqlCatalog _sql;
    private readonly string _readConnectionString;
    private readonly Thread _thread;
    private readonly Hosting.DataDirectoryLock _lock;

    private SqliteStore(SqliteStoreOptions options, TimeProvider time, ILogger logger, Hosting.DataDirectoryLock dataLock) : base(time)
    {
        _lock = dataLock;
        _options = options;
        _logger = logger;
        _sql = SqlCatalog.Load("sqlite");
        Path = System.IO.Path.Combine(options.DataDirectory, "contrail.db");
        var builder = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = true, DefaultTimeout = 30 };
        _readConnectionString = builder.ToString();
        builder.Pooling = false;
        _writeConnection = new SqliteConnection(builder.ToString());
        _writer = new StoreWriter(_writeConnection, _sql, time, InstanceId);
        _channel = Channel.CreateBounded<WriteOp>(new BoundedChannelOptions(options.WriteQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _thread = new Thread(WriterLoop) { IsBackground = true, Name = "contrail-sqlite-writer" };
    }

    public override string Provider => "sqlite";

    /// <summary>The database file.</summary>
    public string Path { get; }

    public static SqliteStore Open(SqliteStoreOptions options, TimeProvider time, ILogger logger)
    {
        options.Validate();
        // The OS lock keeps a second process off this data directory; SIGKILL releases it.
        var dataLock = Hosting.DataDirectoryLock.Acquire(options.DataDirectory);
        try
        {
            var store = new SqliteStore(options, time, logger, dataLock);
            store.Start();
            return store;
        }
        catch
        {
            dataLock.Dispose();
            throw;
        }
    }

    private void Start()
    {
        _writeConnection.Open();
        _writer.ExecuteRaw("PRAGMA journal_mode = WAL");
        _writer.ExecuteRaw($"PRAGMA synchronous = {_options.Synchronous}");
        _writer.ExecuteRaw("PRAGMA temp_store = MEMORY");
        _writer.ExecuteRaw("PRAGMA cache_size = -65536");
        Migrator.Apply(_writer, "sqlite", Time, _logger);
        // This process holds the data directory's lock, so whoever held messages in flight is gone.
        var released = _writer.MessageReleaseOrphaned();
        if (released > 0) _logger.LogInformation("Released {Count} messages left in flight by a previous process", released);
        _thread.Start();
    }

    public override Task<T> WriteAsync<T>(Func<StoreWriter, T> work, bool failWhenSaturated = false, CancellationToken ct = default)
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

    public override T Read<T>(Func<StoreReader, T> work)
    {
        using var connection = new SqliteConnection(_readConnectionString);
        connection.Open();
        using var reader = new StoreReader(connection, _sql, Time, InstanceId);
        return work(reader);
    }

    private void WriterLoop()
    {
        var batch = new List<WriteOp>(_options.MaxBatch);
        var reader = _channel.Reader;
        while (true)
        {
            var more = reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult();
            if (!more) break;
            batch.Clear();
            while (batch.Count < _options.MaxBatch && reader.TryRead(out var op))
                if (!op.IsCancelled) batch.Add(op);
            if (batch.Count > 0) CommitBatch(batch);
        }
    }

    private void CommitBatch(List<WriteOp> batch)
    {
        var useSavepoints = batch.Count > 1;
        var failed = 0;
        try
        {
            using var transaction = _writeConnection.BeginTransaction();
            _writer.Transaction = transaction;
            foreach (var op in batch)
            {
                var mark = _writer.Mark();
                if (useSavepoints) _writer.ExecuteFixed("SAVEPOINT unit");
                try
                {
                    op.Run(_writer);
                    if (useSavepoints) _writer.ExecuteFixed("RELEASE unit");
                }
                catch (Exception ex)
                {
                    failed++;
                    _writer.RollbackTo(mark);
                    if (useSavepoints)
                    {
                        _writer.ExecuteFixed("ROLLBACK TO unit");
                        _writer.ExecuteFixed("RELEASE unit");
                    }
                    op.Fail(ex);
                }
            }
            if (!useSavepoints && failed > 0)
            {
                transaction.Rollback();
                _writer.Reset();
                return;
            }
            transaction.Commit();
        }
        catch (Exception ex)
        {
            // The commit itself failed (disk full, I/O error): nothing in the batch is durable.
            _logger.LogError(ex, "SQLite commit of {Count} units of work failed", batch.Count);
            _writer.Reset();
            foreach (var op in batch) op.Fail(ex);
            return;
        }
        finally
        {
            _writer.Transaction = null;
        }

        _writer.Committed(Signals);
        foreach (var op in batch) op.Complete();
    }

    private int _disposed;

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _channel.Writer.TryComplete();
        if (_thread.IsAlive) await Task.Run(() => _thread.Join()).ConfigureAwait(false);
        _writer.Dispose();
        await _writeConnection.DisposeAsync().ConfigureAwait(false);
        SqliteConnection.ClearAllPools();
        _lock.Dispose();
    }
}
