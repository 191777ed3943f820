using Microsoft.Extensions.Logging;

namespace Contrail.Storage;

/// <summary>Applies the numbered migrations of a dialect that the database has not seen, each in its own transaction.</summary>
internal static class Migrator
{
    public static void Apply(StoreReader session, string dialect, TimeProvider time, ILogger logger)
    {
        // Several processes may start at once on PostgreSQL: one migrates while the others wait for it.
        if (dialect == "postgres") session.ExecuteRaw($"SELECT pg_advisory_lock({AdvisoryLock})");
        try { ApplyPending(session, dialect, time, logger); }
        finally
        {
            if (dialect == "postgres") session.ExecuteRaw($"SELECT pg_advisory_unlock({AdvisoryLock})");
        }
    }

    /// <summary>The advisory lock key that serialises migrations ("contrail" in ASCII, as a number).</summary>
    private const long AdvisoryLock = 0x636F6E747261696C;

    private static void ApplyPending(StoreReader session, string dialect, TimeProvider time, ILogger logger)
    {
        session.ExecuteRaw("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
        var applied = new HashSet<int>();
        using (var command = session.Connection.CreateCommand())
        {
            command.CommandText = "SELECT version FROM schema_migrations";
            using var reader = command.ExecuteReader();
            while (reader.Read()) applied.Add(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var (version, name, sql) in SqlCatalog.LoadMigrations(dialect))
        {
            if (applied.Contains(version)) continue;
            using var transaction = session.Connection.BeginTransaction();
            session.Transaction = transaction;
            session.ExecuteRaw(sql);
            using (var insert = session.Connection.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = $"INSERT INTO schema_migrations (version, name, applied_at) VALUES ({version}, '{name}', {time.GetUtcNow().ToUnixTimeMilliseconds()})";
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
            session.Transaction = null;
            logger.LogInformation("Applied migration {Version} {Name}", version, name);
        }
    }
}
