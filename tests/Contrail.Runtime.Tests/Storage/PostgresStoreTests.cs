using Contrail.Storage;
using Contrail.Storage.Postgres;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contrail.Tests.Storage;

/// <summary>The storage contract on a real PostgreSQL (a throwaway cluster from the machine's binaries).</summary>
public sealed class PostgresStoreTests : StoreContractTests
{
    protected override async Task<Store> OpenAsync() =>
        PostgresStore.Open(new PostgresStoreOptions { ConnectionString = await PostgresCluster.RequireAsync() }, Time, NullLogger.Instance);

    [Fact]
    public async Task Several_stores_migrating_one_database_at_once_apply_each_migration_once()
    {
        var connection = await PostgresCluster.RequireAsync();
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            PostgresStore.Open(new PostgresStoreOptions { ConnectionString = connection, Writers = 1 }, Time, NullLogger.Instance))));
        try
        {
            Assert.Equal(SqlCatalog.LoadMigrations("postgres").Count, stores[0].Read(r => r.Scalar<long>("MigrationCount")));
        }
        finally
        {
            foreach (var store in stores) await store.DisposeAsync();
        }
    }
}
