namespace Contrail.Hosting;

/// <summary>Server settings: <c>DataDir</c>, <c>Storage:*</c> and <c>Retention:*</c> from appsettings, <c>CONTRAIL__*</c> environment variables or flags.</summary>
public sealed class ContrailOptions
{
    /// <summary>Where the database, archives and uploads live.</summary>
    public string DataDir { get; set; } = DefaultDataDir();

    public StorageOptions Storage { get; set; } = new();

    /// <summary>The bootstrap admin key (environment CONTRAIL_API_KEY); any string. Only its hash is stored; never logged.</summary>
    public string? ApiKey { get; set; }

    public RetentionOptions Retention { get; set; } = new();

    public static string DefaultDataDir() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "contrail");
}

public sealed class StorageOptions
{
    /// <summary>sqlite (embedded, default) or postgres.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>For postgres: an Npgsql connection string (Host=...;Database=...;Username=...). Never logged.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>SQLite synchronous level: FULL (default, survives power loss) or NORMAL (survives process crashes).</summary>
    public string Synchronous { get; set; } = "FULL";

    /// <summary>Units of work that may wait for the SQLite writer; past it, ingest answers 503 with Retry-After.</summary>
    public int WriteQueueCapacity { get; set; } = 16_384;
}

/// <summary>How long history is kept before the retention sweep removes it.</summary>
public sealed class RetentionOptions
{
    public TimeSpan Events { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Kept at least as long as events, so a retried request is recognised for as long as its event exists.</summary>
    public TimeSpan IdempotencyKeys { get; set; } = TimeSpan.FromDays(7);

    public TimeSpan ChangeFeed { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Handled, expired and purged messages kept for "what was delivered where".</summary>
    public TimeSpan MessageHistory { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Ended workflow executions, with their history.</summary>
    public TimeSpan Executions { get; set; } = TimeSpan.FromDays(7);

    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
