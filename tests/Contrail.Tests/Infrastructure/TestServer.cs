using Contrail.Server;
using Contrail.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Contrail.Tests.Infrastructure;

/// <summary>
/// A real Contrail server in this process: Kestrel on a free loopback port, a real SQLite file in a
/// throwaway data directory, and an HTTP client that sends the admin key.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private bool _ownsDataDir;
    private bool _stopped;

    private TestServer(WebApplication app, string dataDir, string apiKey, bool ownsDataDir)
    {
        App = app;
        DataDir = dataDir;
        ApiKey = apiKey;
        _ownsDataDir = ownsDataDir;
        Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Client = CreateClient(apiKey);
    }

    public WebApplication App { get; }
    public string DataDir { get; }
    public string ApiKey { get; }
    public string Url { get; }
    public HttpClient Client { get; }
    public IServiceProvider Services => App.Services;
    public Store Store => Services.GetRequiredService<Store>();

    public static Task<TestServer> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null) =>
        StartAsync(settings, services, TempDirectory.Create("server"), ownsDataDir: true);

    private static async Task<TestServer> StartAsync(IReadOnlyDictionary<string, string?>? settings, Action<IServiceCollection>? services, string dataDir, bool ownsDataDir)
    {
        var apiKey = "test-admin-" + Guid.NewGuid().ToString("N");
        var flags = new Dictionary<string, string?>
        {
            ["DataDir"] = dataDir,
            ["Urls"] = "http://127.0.0.1:0",
            ["ApiKey"] = apiKey,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Queues:PollInterval"] = "00:00:00.200",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) flags[key] = value;
        var app = ContrailServer.Build(flags, services);
        try
        {
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            // Release the store and the data directory's lock, so a test can start again on it.
            await app.DisposeAsync();
            if (ownsDataDir) TempDirectory.Delete(dataDir);
            throw;
        }
        return new TestServer(app, dataDir, apiKey, ownsDataDir);
    }

    /// <summary>Stops this server and starts a new one on the same data directory.</summary>
    public async Task<TestServer> RestartAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var owns = _ownsDataDir;
        _ownsDataDir = false;
        await StopAsync();
        return await StartAsync(settings, services, DataDir, owns);
    }

    public HttpClient CreateClient(string? apiKey)
    {
        var client = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
        if (apiKey is not null) client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    /// <summary>Stops the server (graceful shutdown) and keeps its data directory until disposed.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        Client.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsDataDir) TempDirectory.Delete(DataDir);
    }
}
