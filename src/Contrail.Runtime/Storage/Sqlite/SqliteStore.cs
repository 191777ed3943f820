using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Contrail.Storage.Sqlite;

/// <summary>
/// The embedded provider: one SQLite file in WAL mode, written by a single writer thread that
/// group-commits (see <see cref="WriteQueue"/>). Readers use pooled connections of their own and never
/// block the writer. An OS lock on the data directory keeps other processes out.
/// </summary>
public sealed class SqliteStore : Store
{
    private readonly SqliteStoreOptions _options;
    private readonly ILogger _logger;
    private readonly WriteQueue _writes;
    private readonly SqliteConnection _writeConnection;
    private readonly StoreWriter _writer;
    private readonly SqlCatalog _sql;
    private readonly string _readConnectionString;
    private readonly Hosting.DataDirectoryLock _lock;
    private int _disposed;

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
        _writes = new WriteQueue(options.WriteQueueCapacity, options.MaxBatch, Signals, logger);
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
        _writes.StartWriter(_writer, "contrail-sqlite-writer");
    }

    public override Task<T> WriteAsync<T>(Func<StoreWriter, T> work, bool failWhenSaturated = false, CancellationToken ct = default) =>
        _writes.WriteAsync(work, failWhenSaturated, ct);

    public override T Read<T>(Func<StoreReader, T> work)
    {
        using var connection = new SqliteConnection(_readConnectionString);
        connection.Open();
        using var reader = new StoreReader(connection, _sql, Time, InstanceId);
        return work(reader);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _writes.DisposeAsync().ConfigureAwait(false);
        _writer.Dispose();
        await _writeConnection.DisposeAsync().ConfigureAwait(false);
        SqliteConnection.ClearAllPools();
        _lock.Dispose();
    }
}
