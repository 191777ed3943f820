using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Contrail.Tests.Infrastructure;

/// <summary>
/// The real <c>contrail</c> executable in a child process, on a free loopback port. Used where only a real
/// process will do: SIGKILL crash tests and the data-directory lock. Disposing kills it.
/// </summary>
public sealed partial class ContrailProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ContrailProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException("contrail exited before listening:\n" + Output));
    }

    public string Url { get; private set; } = "";

    public string Output { get { lock (_output) return string.Join('\n', _output); } }

    public IReadOnlyList<string> Lines { get { lock (_output) return [.. _output]; } }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The built Contrail.dll, copied next to the tests by the project reference.</summary>
    public static string ExecutablePath => Path.Combine(AppContext.BaseDirectory, "Contrail.dll");

    /// <summary>Contrail.TestHost.dll: the same command line and server with the test functions and state machines it registers.</summary>
    public static string TestHostPath => Path.Combine(AppContext.BaseDirectory, "Contrail.TestHost.dll");

    public static ContrailProcess Launch(string dataDir, string apiKey, params string[] extraArgs) =>
        LaunchExecutable(ExecutablePath, dataDir, apiKey, new Dictionary<string, string>(), extraArgs);

    public static ContrailProcess Launch(string dataDir, string apiKey, IReadOnlyDictionary<string, string> environment, params string[] extraArgs) =>
        LaunchExecutable(ExecutablePath, dataDir, apiKey, environment, extraArgs);

    public static ContrailProcess LaunchExecutable(string executable, string dataDir, string apiKey, IReadOnlyDictionary<string, string> environment, params string[] extraArgs)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in (string[])["exec", executable, "serve", "--urls", "http://127.0.0.1:0", "--data-dir", dataDir, .. extraArgs])
            start.ArgumentList.Add(arg);
        start.Environment["CONTRAIL_API_KEY"] = apiKey;
        start.Environment["CONTRAIL__LOGGING__LOGLEVEL__DEFAULT"] = "Warning";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var contrail = new ContrailProcess(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return contrail;
    }

    public static Task<ContrailProcess> StartAsync(string dataDir, string apiKey, params string[] extraArgs) =>
        StartExecutableAsync(ExecutablePath, dataDir, apiKey, new Dictionary<string, string>(), extraArgs);

    public static Task<ContrailProcess> StartAsync(string dataDir, string apiKey, IReadOnlyDictionary<string, string> environment, params string[] extraArgs) =>
        StartExecutableAsync(ExecutablePath, dataDir, apiKey, environment, extraArgs);

    public static Task<ContrailProcess> StartExecutableAsync(string executable, string dataDir, string apiKey, params string[] extraArgs) =>
        StartExecutableAsync(executable, dataDir, apiKey, new Dictionary<string, string>(), extraArgs);

    public static async Task<ContrailProcess> StartExecutableAsync(string executable, string dataDir, string apiKey, IReadOnlyDictionary<string, string> environment, params string[] extraArgs)
    {
        var contrail = LaunchExecutable(executable, dataDir, apiKey, environment, extraArgs);
        try
        {
            contrail.Url = await contrail._listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await contrail.DisposeAsync();
            throw;
        }
        return contrail;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync(new CancellationTokenSource(timeout).Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        var match = ListeningLine().Match(line);
        if (match.Success) _listening.TrySetResult(match.Groups[1].Value);
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    [GeneratedRegex(@"^Contrail listening on (http://\S+)")]
    private static partial Regex ListeningLine();
}
