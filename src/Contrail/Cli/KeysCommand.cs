using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Contrail.Auth;
using Contrail.Hosting;
using Contrail.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contrail.Cli;

/// <summary>
/// <c>contrail keys create|list|revoke</c>. Two ways to reach the keys: through a running server
/// (<c>--url</c> and <c>--api-key</c>, or CONTRAIL_URL and CONTRAIL_API_KEY; the key needs the admin scope),
/// or directly in a stopped server's data directory (<c>--data-dir</c>), which is how the first admin key
/// is made without a server. A running server holds the data directory's lock, so the direct way then
/// refuses and says to use <c>--url</c>.
/// </summary>
internal static class KeysCommand
{
    private static readonly Option<string?> UrlOption = new("--url") { Description = "A running server (default: $CONTRAIL_URL); without it, the data directory is used" };
    private static readonly Option<string?> ApiKeyOption = new("--api-key") { Description = "An admin key for --url (default: $CONTRAIL_API_KEY)" };
    private static readonly Option<string?> DataDirOption = new("--data-dir") { Description = "A stopped server's data directory (default ~/.local/share/contrail)" };

    public static Command Build()
    {
        var keys = new Command("keys", "Create, list and revoke API keys");

        var name = new Option<string>("--name") { Description = "Who or what uses the key", Required = true };
        var scopes = new Option<string[]>("--scopes")
        {
            Description = $"Scopes, comma-separated or repeated: {string.Join(", ", Scopes.All)}",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var create = new Command("create", "Create a key; its secret is printed once") { name, scopes, UrlOption, ApiKeyOption, DataDirOption };
        create.SetAction((parse, ct) => CreateAsync(parse, parse.GetValue(name)!,
            parse.GetValue(scopes)!.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(), ct));
        keys.Subcommands.Add(create);

        var all = new Option<bool>("--all") { Description = "Include revoked keys" };
        var list = new Command("list", "List keys (never their secrets)") { all, UrlOption, ApiKeyOption, DataDirOption };
        list.SetAction((parse, ct) => ListAsync(parse, parse.GetValue(all), ct));
        keys.Subcommands.Add(list);

        var id = new Argument<string>("id") { Description = "The key's id (key_...)" };
        var revoke = new Command("revoke", "Revoke a key; it stops working at once") { id, UrlOption, ApiKeyOption, DataDirOption };
        revoke.SetAction((parse, ct) => RevokeAsync(parse, parse.GetValue(id)!, ct));
        keys.Subcommands.Add(revoke);
        return keys;
    }

    private static async Task<int> CreateAsync(ParseResult parse, string name, List<string> scopes, CancellationToken ct)
    {
        if (Remote(parse) is { } remote)
        {
            using var client = remote;
            using var response = await client.PostAsJsonAsync("/api-keys", new { name, scopes }, ct);
            if (!response.IsSuccessStatusCode) return await FailAsync(response, ct);
            var created = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
            PrintCreated((string)created["id"]!, (string)created["name"]!, created["scopes"]!.AsArray().Select(s => (string)s!), (string)created["key"]!);
            return 0;
        }
        var invalid = scopes.Where(s => !Scopes.IsValid(s)).ToList();
        if (invalid.Count > 0 || scopes.Count == 0 || string.IsNullOrWhiteSpace(name))
        {
            await Console.Error.WriteLineAsync($"contrail: give --name and --scopes from {string.Join(", ", Scopes.All)}" +
                (invalid.Count > 0 ? $" (not scopes: {string.Join(", ", invalid)})" : ""));
            return 1;
        }
        return await WithStoreAsync(parse, async (keys, _) =>
        {
            var (key, secret) = await keys.CreateAsync(name.Trim(), scopes.Distinct().ToList());
            PrintCreated(key.Id, key.Name, key.Scopes, secret);
            return 0;
        });
    }

    private static async Task<int> ListAsync(ParseResult parse, bool includeRevoked, CancellationToken ct)
    {
        var rows = new List<(string Id, string Name, string Scopes, string Created, string Revoked)>();
        if (Remote(parse) is { } remote)
        {
            using var client = remote;
            string? cursor = null;
            do
            {
                var path = $"/api-keys?limit=1000&include_revoked={(includeRevoked ? "true" : "false")}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
                using var response = await client.GetAsync(path, ct);
                if (!response.IsSuccessStatusCode) return await FailAsync(response, ct);
                var page = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
                foreach (var item in page["items"]!.AsArray())
                    rows.Add(((string)item!["id"]!, (string)item["name"]!, string.Join(",", item["scopes"]!.AsArray().Select(s => (string)s!)),
                        Time((DateTimeOffset)item["created_at"]!), item["revoked_at"] is { } revoked ? Time((DateTimeOffset)revoked) : ""));
                cursor = (string?)page["next_cursor"];
            }
            while (cursor is not null);
        }
        else
        {
            var code = await WithStoreAsync(parse, (_, store) =>
            {
                var after = "";
                List<ApiKeyInfo> page;
                do
                {
                    page = store.Read(r => r.ApiKeyList(after, includeRevoked, 1000));
                    foreach (var k in page)
                        rows.Add((k.Id, k.Name, string.Join(",", k.Scopes), Time(k.CreatedAt), k.RevokedAt is { } revoked ? Time(revoked) : ""));
                    if (page.Count > 0) after = page[^1].Id;
                }
                while (page.Count == 1000);
                return Task.FromResult(0);
            });
            if (code != 0) return code;
        }
        Console.WriteLine($"{"ID",-26} {"NAME",-24} {"SCOPES",-20} {"CREATED",-21} REVOKED");
        foreach (var row in rows) Console.WriteLine($"{row.Id,-26} {row.Name,-24} {row.Scopes,-20} {row.Created,-21} {row.Revoked}");
        return 0;
    }

    private static async Task<int> RevokeAsync(ParseResult parse, string id, CancellationToken ct)
    {
        if (Remote(parse) is { } remote)
        {
            using var client = remote;
            using var response = await client.DeleteAsync("/api-keys/" + Uri.EscapeDataString(id), ct);
            if (!response.IsSuccessStatusCode) return await FailAsync(response, ct);
        }
        else
        {
            var code = await WithStoreAsync(parse, async (keys, _) =>
            {
                if (await keys.RevokeAsync(id)) return 0;
                await Console.Error.WriteLineAsync($"contrail: no active API key with id '{id}'");
                return 1;
            });
            if (code != 0) return code;
        }
        Console.WriteLine($"Revoked {id}");
        return 0;
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static void PrintCreated(string id, string name, IEnumerable<string> scopes, string secret)
    {
        Console.WriteLine($"Created {id} \"{name}\" with scopes {string.Join(", ", scopes)}");
        Console.WriteLine($"key: {secret}");
        Console.WriteLine("The key is shown this once; Contrail keeps only its hash.");
    }

    /// <summary>A client for the server named by --url or CONTRAIL_URL, or null to use the data directory.</summary>
    private static HttpClient? Remote(ParseResult parse)
    {
        var url = parse.GetValue(UrlOption) ?? Environment.GetEnvironmentVariable("CONTRAIL_URL");
        if (string.IsNullOrEmpty(url)) return null;
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        var key = parse.GetValue(ApiKeyOption) ?? Environment.GetEnvironmentVariable("CONTRAIL_API_KEY");
        if (!string.IsNullOrEmpty(key)) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private static async Task<int> FailAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        var detail = text;
        try
        {
            var problem = JsonNode.Parse(text);
            detail = (string?)problem?["detail"] ?? (string?)problem?["title"] ?? text;
            if (problem?["errors"] is JsonArray errors)
                detail += " " + string.Join("; ", errors.Select(e => $"{(string?)e?["pointer"]}: {(string?)e?["detail"]}"));
        }
        catch (System.Text.Json.JsonException)
        {
        }
        await Console.Error.WriteLineAsync($"contrail: the server answered {(int)response.StatusCode}: {detail}");
        return 1;
    }

    /// <summary>Opens the data directory's store (taking its lock) for the duration of <paramref name="work"/>.</summary>
    private static async Task<int> WithStoreAsync(ParseResult parse, Func<ApiKeys, Storage.Store, Task<int>> work)
    {
        var dataDir = parse.GetValue(DataDirOption) is { } dir ? Path.GetFullPath(dir)
            : Environment.GetEnvironmentVariable("CONTRAIL__DATADIR") ?? ContrailOptions.DefaultDataDir();
        SqliteStore store;
        try
        {
            store = SqliteStore.Open(new SqliteStoreOptions { DataDirectory = dataDir }, TimeProvider.System, NullLogger.Instance);
        }
        catch (DataDirectoryInUseException)
        {
            await Console.Error.WriteLineAsync($"contrail: {dataDir} is in use by a running server; manage its keys through it with --url and --api-key");
            return 2;
        }
        await using (store)
        {
            var keys = new ApiKeys(store);
            keys.Load();
            return await work(keys, store);
        }
    }
}
