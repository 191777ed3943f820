using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Contrail.Tests;

/// <summary>
/// A throwaway PostgreSQL cluster for the test run, started from the machine's own binaries
/// (Debian's postgresql-15: /usr/lib/postgresql/*/bin) on 127.0.0.1 and a free port, stopped and deleted
/// when the run ends. Tests that need it call <see cref="RequireAsync"/>, which skips them, with the
/// reason, on a machine without PostgreSQL. Each test gets a database of its own.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresCluster? _shared;
    private static string? _unavailable;
    private static int _databases;

    private readonly string _bin;
    private readonly string _dir;
    private readonly bool _asPostgresUser;

    private PostgresCluster(string bin, string dir, int port, bool asPostgresUser)
    {
        _bin = bin;
        _dir = dir;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    public int Port { get; }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=40";

    /// <summary>The shared cluster with a new empty database; skips the test when the machine has no PostgreSQL.</summary>
    public static async Task<string> RequireAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_shared is null && _unavailable is null)
            {
                try { _shared = await StartAsync(); }
                catch (Exception ex) { _unavailable = ex.Message; }
            }
        }
        finally
        {
            Gate.Release();
        }
        if (_shared is null) Assert.Skip("PostgreSQL is not available on this machine: " + _unavailable);
        var database = $"t{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}"[..24];
        await _shared.RunAsync("psql", "-q", "-h", "127.0.0.1", "-p", _shared.Port.ToString(), "-U", "postgres", "-c", $"CREATE DATABASE {database}");
        return _shared.ConnectionString(database);
    }

    /// <summary>Stops the shared cluster (registered to run when the test process exits).</summary>
    public static void StopShared()
    {
        var cluster = Interlocked.Exchange(ref _shared, null);
        cluster?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static async Task<PostgresCluster> StartAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderBy(d => d).LastOrDefault()
            : null;
        if (bin is null) throw new InvalidOperationException("no initdb under /usr/lib/postgresql/*/bin (install postgresql-15)");
        var asPostgresUser = Environment.UserName == "root";
        var dir = Path.Combine(Path.GetTempPath(), "contrail-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var cluster = new PostgresCluster(bin, dir, FreePort(), asPostgresUser);
        if (asPostgresUser) await RunProcessAsync("chown", "postgres:", dir);
        await cluster.RunAsync(Path.Combine(bin, "initdb"), "-D", Path.Combine(dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale");
        // A throwaway cluster: durability settings off for speed (the product's own durability is tested on SQLite).
        await cluster.RunAsync(Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(dir, "data"), "-l", Path.Combine(dir, "pg.log"), "-w", "-t", "60", "start", "-o",
            $"-c listen_addresses=127.0.0.1 -p {cluster.Port} -k {dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopShared();
        return cluster;
    }

    private Task RunAsync(string file, params string[] args)
    {
        if (file == "psql") file = Path.Combine(_bin, "psql");
        return _asPostgresUser ? RunProcessAsync("runuser", ["-u", "postgres", "--", file, .. args]) : RunProcessAsync(file, args);
    }

    private static async Task RunProcessAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try { await RunAsync(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop"); }
        catch (InvalidOperationException) { }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Stops the shared cluster when the test assembly finishes (registered as an assembly fixture).</summary>
public sealed class PostgresClusterLifetime : IAsyncDisposable
{
    public ValueTask DisposeAsync()
    {
        PostgresCluster.StopShared();
        return ValueTask.CompletedTask;
    }
}
