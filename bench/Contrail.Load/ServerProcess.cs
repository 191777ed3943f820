using System.Diagnostics;

namespace Contrail.Load;

/// <summary>A Contrail server in a child process on a free loopback port, with a throwaway data directory.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    public string Url { get; }
    public string ApiKey { get; }
    public string DataDir { get; }

    /// <summary>CPU time the server has used so far (user + system), from /proc: cost per event, whatever else runs.</summary>
    public TimeSpan CpuTime => UserTime + SystemTime;

    public TimeSpan UserTime => TimeSpan.FromSeconds(Stat(11) / 100.0);

    public TimeSpan SystemTime => TimeSpan.FromSeconds(Stat(12) / 100.0);

    // utime and stime are fields 14 and 15 of /proc/PID/stat, in clock ticks (100 per second on Linux).
    private long Stat(int index) =>
        long.Parse(File.ReadAllText($"/proc/{_process.Id}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[index]);

    private readonly bool _ownsDataDir;

    private ServerProcess(Process process, string url, string apiKey, string dataDir, bool ownsDataDir)
    {
        _ownsDataDir = ownsDataDir;
        _process = process;
        Url = url;
        ApiKey = apiKey;
        DataDir = dataDir;
    }

    public static Task<ServerProcess> StartAsync() => StartAsync(Environment.GetEnvironmentVariables().Keys.Cast<string>()
        .Where(k => k.StartsWith("CONTRAIL__", StringComparison.Ordinal) || k.StartsWith("DOTNET_", StringComparison.Ordinal))
        .ToDictionary(k => k, k => Environment.GetEnvironmentVariable(k)!));

    /// <param name="dataDir">An existing data directory (kept after the server stops); by default a throwaway one.</param>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> environment, string? dataDir = null)
    {
        var ownsDataDir = dataDir is null;
        dataDir ??= Path.Combine(Path.GetTempPath(), "contrail-load-" + Guid.NewGuid().ToString("N"));
        var apiKey = "load-" + Guid.NewGuid().ToString("N");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "Contrail.dll"), "serve", "--urls", "http://127.0.0.1:0", "--data-dir", dataDir })
            start.ArgumentList.Add(arg);
        start.Environment["CONTRAIL_API_KEY"] = apiKey;
        start.Environment["DOTNET_gcServer"] = "1";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Drain both streams for the life of the process; the server logs one line per worker message.
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
                if (line.StartsWith("Contrail listening on ", StringComparison.Ordinal)) listening.TrySetResult(line["Contrail listening on ".Length..].Trim());
            listening.TrySetException(new InvalidOperationException("server exited"));
        });
        _ = Task.Run(async () => { while (await process.StandardError.ReadLineAsync() is { } line) Console.Error.WriteLine("server: " + line); });
        var url = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return new ServerProcess(process, url, apiKey, dataDir, ownsDataDir);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        if (_ownsDataDir)
            try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { }
    }
}
