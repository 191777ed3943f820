using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Contrail.Tests.Infrastructure;

/// <summary>
/// Captures everything a server logs (message, structured values, scopes, exception) as text, so tests can
/// check what reached the logs, e.g. that a secret never did. Add with <c>services.AddSingleton&lt;ILoggerProvider&gt;(capture)</c>.
/// </summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _lines = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<string> Lines => [.. _lines];

    public string All => string.Join('\n', _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => capture._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = new System.Text.StringBuilder($"{logLevel} {category}: {formatter(state, exception)}");
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
                foreach (var (key, value) in values) line.Append($" {key}={value}");
            capture._scopes.ForEachScope((scope, builder) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    foreach (var (key, value) in pairs) builder.Append($" {key}={value}");
                else builder.Append($" scope={scope}");
            }, line);
            if (exception is not null) line.Append(" exception=").Append(exception);
            capture._lines.Enqueue(line.ToString());
        }
    }
}
