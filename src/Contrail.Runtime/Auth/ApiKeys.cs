using System.Security.Cryptography;
using System.Text;
using Contrail.Storage;

namespace Contrail.Auth;

/// <summary>The scopes a key may hold. <see cref="Admin"/> implies the others.</summary>
public static class Scopes
{
    public const string Ingest = "ingest";
    public const string Read = "read";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Ingest, Read, Admin];

    public static bool IsValid(string scope) => scope is Ingest or Read or Admin;
}

/// <summary>An API key as stored: only the SHA-256 of the secret is kept.</summary>
public sealed record ApiKey(string Id, string Name, byte[] Hash, IReadOnlyList<string> Scopes, long CreatedAt)
{
    public bool Has(string scope) => Scopes.Contains(scope) || Scopes.Contains(Auth.Scopes.Admin);
}

/// <summary>
/// Issues, checks and revokes API keys. Active keys are cached by hash; a presented key is hashed and its
/// hash compared in constant time with the stored one. The bootstrap admin key comes from
/// <c>CONTRAIL_API_KEY</c> (any string).
/// </summary>
public sealed class ApiKeys(Store store)
{
    public const string BootstrapName = "bootstrap";

    private volatile Dictionary<string, ApiKey> _byHash = new(StringComparer.Ordinal);

    public void Load() =>
        _byHash = store.Read(r => r.ApiKeyListActive()).ToDictionary(k => Convert.ToHexString(k.Hash), StringComparer.Ordinal);

    public ApiKey? Authenticate(string presented)
    {
        var hash = HashOf(presented);
        return _byHash.TryGetValue(Convert.ToHexString(hash), out var key) && CryptographicOperations.FixedTimeEquals(key.Hash, hash) ? key : null;
    }

    public int ActiveCount => _byHash.Count;

    /// <summary>Creates a key; returns the stored record and the secret, which is shown once and never again.</summary>
    public async Task<(ApiKey Key, string Secret)> CreateAsync(string name, IReadOnlyList<string> scopes, string? secret = null, bool replaceSameName = false)
    {
        secret ??= "ck_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        var key = new ApiKey("key_" + Guid.CreateVersion7().ToString("N")[..20], name, HashOf(secret), scopes, store.Time.GetUtcNow().ToUnixTimeMilliseconds());
        await store.WriteAsync(w =>
        {
            if (replaceSameName) w.ApiKeyRevokeByName(name);
            w.ApiKeyInsert(key);
            return 0;
        });
        Load();
        return (key, secret);
    }

    public async Task<bool> RevokeAsync(string id)
    {
        var revoked = await store.WriteAsync(w => w.ApiKeyRevoke(id));
        Load();
        return revoked;
    }

    /// <summary>Makes <paramref name="secret"/> the bootstrap admin key, replacing an earlier bootstrap key.</summary>
    public async Task EnsureBootstrapAsync(string secret)
    {
        var existing = Authenticate(secret);
        if (existing is { Name: BootstrapName } && existing.Has(Scopes.Admin)) return;
        await CreateAsync(BootstrapName, Scopes.All, secret, replaceSameName: true);
    }

    public static byte[] HashOf(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
