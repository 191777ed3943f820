namespace Contrail.Storage;

/// <summary>
/// The storage contract. Every provider runs the same <see cref="StoreReader"/>/<see cref="StoreWriter"/>
/// methods with its own SQL dialect; what differs is how connections and transactions are managed
/// (SQLite: one writer that group-commits; PostgreSQL: a pool) and how wake-ups travel.
/// </summary>
public abstract class Store : IAsyncDisposable
{
    protected Store(TimeProvider time) => Time = time;

    public TimeProvider Time { get; }

    /// <summary>This process's identity, recorded on the messages it holds in flight.</summary>
    public string InstanceId { get; } = Environment.MachineName + ":" + Environment.ProcessId + ":" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>"sqlite" or "postgres".</summary>
    public abstract string Provider { get; }

    /// <summary>Wake-up hints raised after commits.</summary>
    public StoreSignals Signals { get; } = new();

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction and returns its result once committed. The work must be
    /// synchronous, touch only the store, and may run again only if it threw. When
    /// <paramref name="failWhenSaturated"/> is set and the write path is full, fails at once with
    /// <see cref="StoreSaturatedException"/> instead of waiting (HTTP answers 503 with Retry-After).
    /// </summary>
    public abstract Task<T> WriteAsync<T>(Func<StoreWriter, T> work, bool failWhenSaturated = false, CancellationToken ct = default);

    /// <summary>Runs read-only work on a connection of its own; sees everything committed before it started.</summary>
    public abstract T Read<T>(Func<StoreReader, T> work);

    public abstract ValueTask DisposeAsync();
}

/// <summary>The write path is full; the caller should retry later.</summary>
public sealed class StoreSaturatedException() : Exception("The store's write queue is full");
