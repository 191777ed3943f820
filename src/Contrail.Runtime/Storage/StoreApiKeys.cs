using Contrail.Auth;
using Contrail.Json;

namespace Contrail.Storage;

public partial class StoreReader
{
    public List<ApiKey> ApiKeyListActive() =>
        Query("ApiKeyListActive", r => new ApiKey(r.GetString(0), r.GetString(1), (byte[])r.GetValue(2),
            ContrailJson.Deserialize<List<string>>(r.GetString(3))!, r.GetInt64(4)));
}

public sealed partial class StoreWriter
{
    public void ApiKeyInsert(ApiKey key) =>
        Execute("ApiKeyInsert", ("@id", key.Id), ("@name", key.Name), ("@key_hash", key.Hash), ("@scopes", ContrailJson.Serialize(key.Scopes)), ("@now", key.CreatedAt));

    public bool ApiKeyRevoke(string id) => Execute("ApiKeyRevoke", ("@id", id), ("@now", NowMs)) > 0;

    public int ApiKeyRevokeByName(string name) => Execute("ApiKeyRevokeByName", ("@name", name), ("@now", NowMs));
}
