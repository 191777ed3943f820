using Microsoft.Extensions.Logging;

namespace Contrail.Bus;

/// <summary>
/// Rule targets of type <c>log</c> (EventBridge's CloudWatch Logs target): each event (or its input) becomes
/// one structured log line with the log group, rule, target and event id. Delivered asynchronously, like
/// every target whose effect leaves the store.
/// </summary>
public static class LogTargets
{
    public const string Category = "Contrail.Targets.Log";

    public static TargetKind Kind(ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(Category);
        return TargetKind.Async("log", (invocation, _) =>
            {
                logger.LogInformation("[{LogGroup}] rule {Rule} target {Target} event {EventId}: {Input}",
                    invocation.Name, invocation.Rule, invocation.Target, invocation.EventId, invocation.Input);
                return ValueTask.CompletedTask;
            },
            name => name.Length is > 0 and <= 512 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '/' or '#')
                ? null
                : "a log group name is 1-512 letters, digits, '.', '-', '_', '/' or '#'");
    }
}
