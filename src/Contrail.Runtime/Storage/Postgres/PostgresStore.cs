using Microsoft.Extensions.Logging;
using Npgsql;

namespace Contrail.Storage.Postgres;

public sealed class PostgresStoreOptions
{
    public required string ConnectionString { get; init; }

    /// <summary>Writer connections committing in parallel (PostgreSQL, unlike SQLite, has no single writer).</summary>
    public int Writers { get; init; } = 8;

    /// <summary>Most units of work per transaction; each unit is a savepoint, a round trip on PostgreSQL.</summary>
    public int MaxBatch { get; init; } = 64;

    public int WriteQueueCapacity { get; init; } = 16_384;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
            throw new ArgumentException("Storage:ConnectionString is required for the postgres provider");
        if (Writers < 1 || MaxBatch < 1 || WriteQueueCapacity < 1)
            throw new ArgumentException("Storage:Writers, MaxBatch and WriteQueueCapacity must be positive");
    }
}

/// <summary>
/// The scale-out provider: the same schema and statements in PostgreSQL's dialect, shared by several
/// Contrail processes. Writes go through <see cref="WriteQueue"/> with several writer connections; reads
/// use the pool. Migrations run at start-up under an advisory lock.
/// </summary>
public sealed class PostgresStore : Store
{
    private readonly PostgresStoreOptions _options;
    private readonly ILogger _logger;
    private readonly NpgsqlDataSource _dataSource;
    private readonly SqlCatalog _sql = SqlCatalog.Load("postgres");
    private readonly WriteQueue _writes;
    private readonly List<StoreWriter> _writers = [];
    private int _disposed;

    private PostgresStore(PostgresStoreOptions options, TimeProvider time, ILogger logger) : base(time)
    {
        _options = options;
        _logger = logger;
        _dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        _writes = new WriteQueue(options.WriteQueueCapacity, options.MaxBatch, Signals, logger);
    }

    public override string Provider => "postgres";

    public static PostgresStore Open(PostgresStoreOptions options, TimeProvider time, ILogger logger)
    {
        options.Validate();
        var store = new PostgresStore(options, time, logger);
        try
        {
            store.Start();
            return store;
        }
        catch
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    private void Start()
    {
        using (var connection = _dataSource.OpenConnection())
        using (var session = new StoreReader(connection, _sql, Time, InstanceId))
            Migrator.Apply(session, "postgres", Time, _logger);
        for (var i = 0; i < _options.Writers; i++)
        {
            var writer = new StoreWriter(_dataSource.OpenConnection(), _sql, Time, InstanceId);
            _writers.Add(writer);
            _writes.StartWriter(writer, $"contrail-postgres-writer-{i}");
        }
    }

    public override Task<T> WriteAsync<T>(Func<StoreWriter, T> work, bool failWhenSaturated = false, CancellationToken ct = default) =>
        _writes.WriteAsync(work, failWhenSaturated, ct);

    public override T Read<T>(Func<StoreReader, T> work)
    {
        using var connection = _dataSource.OpenConnection();
        using var reader = new StoreReader(connection, _sql, Time, InstanceId);
        return work(reader);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _writes.DisposeAsync().ConfigureAwait(false);
        foreach (var writer in _writers)
        {
            writer.Dispose();
            await writer.Connection.DisposeAsync().ConfigureAwait(false);
        }
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }
}
