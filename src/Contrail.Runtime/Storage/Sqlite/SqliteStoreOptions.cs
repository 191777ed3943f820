namespace Contrail.Storage.Sqlite;

public sealed class SqliteStoreOptions
{
    /// <summary>The folder that holds <c>contrail.db</c>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>
    /// SQLite's <c>synchronous</c> level. FULL (default) fsyncs the WAL at every commit, so an acknowledged
    /// write survives a power loss, not only a process crash; group commit keeps that affordable.
    /// NORMAL survives a process crash (SIGKILL) but may lose the last commits on power loss.
    /// </summary>
    public string Synchronous { get; init; } = "FULL";

    /// <summary>Units of work that may wait for the writer; beyond it writes fail fast or wait (caller's choice).</summary>
    public int WriteQueueCapacity { get; init; } = 16_384;

    /// <summary>Most units of work committed in one transaction.</summary>
    public int MaxBatch { get; init; } = 1_024;

    public void Validate()
    {
        if (Synchronous is not ("FULL" or "NORMAL"))
            throw new ArgumentException($"Storage:Synchronous must be FULL or NORMAL, not '{Synchronous}'");
        if (WriteQueueCapacity < 1 || MaxBatch < 1)
            throw new ArgumentException("Storage:WriteQueueCapacity and Storage:MaxBatch must be positive");
    }
}
