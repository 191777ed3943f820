namespace Contrail.Workflows.Asl;

/// <summary>The predefined <c>States.*</c> error names, and how Retry/Catch match them.</summary>
public static class AslErrorNames
{
    public const string All = "States.ALL";
    public const string Runtime = "States.Runtime";
    public const string Timeout = "States.Timeout";
    public const string HeartbeatTimeout = "States.HeartbeatTimeout";
    public const string TaskFailed = "States.TaskFailed";
    public const string Permissions = "States.Permissions";
    public const string DataLimitExceeded = "States.DataLimitExceeded";
    public const string NoChoiceMatched = "States.NoChoiceMatched";
    public const string IntrinsicFailure = "States.IntrinsicFailure";
    public const string BranchFailed = "States.BranchFailed";
    public const string ResultPathMatchFailure = "States.ResultPathMatchFailure";
    public const string ParameterPathFailure = "States.ParameterPathFailure";
    public const string ExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold";
    public const string ItemReaderFailed = "States.ItemReaderFailed";
    public const string ResultWriterFailed = "States.ResultWriterFailed";
    public const string QueryEvaluationError = "States.QueryEvaluationError";

    /// <summary>
    /// Whether a retrier's or catcher's <c>ErrorEquals</c> entry matches an error, following AWS:
    /// <list type="bullet">
    /// <item><c>States.Runtime</c> is never retried or caught, not even when named explicitly (AWS fails the execution).</item>
    /// <item>A terminal error raised by the engine itself (the 256 KiB <c>States.DataLimitExceeded</c> on a state's own
    /// output) is not matched by <c>States.ALL</c> or <c>States.TaskFailed</c>, only by its own name. The same name reported
    /// by a task (a Lambda returning too much) is an ordinary task error, which <c>States.ALL</c> catches, as recorded on AWS.</item>
    /// <item><c>States.TaskFailed</c> matches any error except <c>States.Timeout</c>/<c>States.HeartbeatTimeout</c>.</item>
    /// <item><c>States.Timeout</c> also matches <c>States.HeartbeatTimeout</c>.</item>
    /// </list>
    /// </summary>
    public static bool Matches(string pattern, string error, bool terminal)
    {
        if (error == Runtime) return false;
        if (string.Equals(pattern, error, StringComparison.Ordinal)) return true;
        if (terminal) return false;
        return pattern switch
        {
            All => true,
            TaskFailed => error is not (Timeout or HeartbeatTimeout),
            Timeout => error == HeartbeatTimeout,
            _ => false,
        };
    }
}

/// <summary>A run-time failure inside a state (bad path, intrinsic failure, ...), carried to Retry/Catch handling.</summary>
internal sealed class AslRuntimeException : Exception
{
    public AslRuntimeException(string error, string cause, bool terminal = false)
        : base(cause)
    {
        Error = error;
        Cause = cause;
        Terminal = terminal;
    }

    public string Error { get; }
    public string Cause { get; }

    /// <summary>Engine-detected terminal errors are not caught by <c>States.ALL</c>.</summary>
    public bool Terminal { get; }
}
