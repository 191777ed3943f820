using Contrail.Auth;
using Contrail.Json;

namespace Contrail.Storage;

public partial class StoreReader
{
    public List<ApiKey> ApiKeyListActive() =>
        Query("ApiKeyListActive", r => new ApiKey(r.GetString(0), r.GetString(1), (byte[])r.GetValue(2),
            ContrailJson.Deserialize<List<string>>(r.GetString(3))!, r.GetInt64(4)));

    /// <summary>Keys by id without their hashes, active ones only unless <paramref name="includeRevoked"/>.</summary>
    public List<ApiKeyInfo> ApiKeyList(string after, bool includeRevoked, int limit) =>
        Query("ApiKeyList", r => new ApiKeyInfo(r.GetString(0), r.GetString(1), ContrailJson.Deserialize<List<string>>(r.GetString(2))!,
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)), r.Int64OrNull(4) is { } revoked ? DateTimeOffset.FromUnixTimeMilliseconds(revoked) : null),
            ("@after", after), ("@include_revoked", includeRevoked ? 1 : 0), ("@limit", limit));
}

public sealed partial class StoreWriter
{
    public void ApiKeyInsert(ApiKey key) =>
        Execute("ApiKeyInsert", ("@id", key.Id), ("@name", key.Name), ("@key_hash", key.Hash), ("@scopes", ContrailJson.Serialize(key.Scopes)), ("@now", key.CreatedAt));

    public bool ApiKeyRevoke(string id) => Execute("ApiKeyRevoke", ("@id", id), ("@now", NowMs)) > 0;

    public int ApiKeyRevokeByName(string name) => Execute("ApiKeyRevokeByName", ("@name", name), ("@now", NowMs));
}
