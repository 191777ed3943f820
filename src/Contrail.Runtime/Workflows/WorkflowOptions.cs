namespace Contrail.Workflows;

/// <summary>Settings of the workflow runner (<c>Workflows:*</c>).</summary>
public sealed class WorkflowOptions
{
    /// <summary>Executions held in memory at once; beyond it, runnable executions wait in the store until room frees.</summary>
    public int MaxActiveExecutions { get; set; } = 10_000;

    /// <summary>Children of one Map or Parallel state running at once when the state sets no MaxConcurrency (or 0).</summary>
    public int MaxChildConcurrency { get; set; } = 1_000;

    /// <summary>Asynchronous function calls in flight at once, over all executions.</summary>
    public int MaxConcurrentTasks { get; set; } = 256;

    /// <summary>Engine steps per transaction, so that one transaction never holds the writer for long.</summary>
    public int MaxStepsPerTransaction { get; set; } = 20_000;

    /// <summary>Time spent stepping per transaction before it commits.</summary>
    public TimeSpan MaxTransactionTime { get; set; } = TimeSpan.FromMilliseconds(40);

    /// <summary>A batch larger than this keeps its unstarted children and finished outcomes in rows only, not in memory.</summary>
    public int MaxChildrenInMemory { get; set; } = 1_000;

    /// <summary>An execution idle in memory whose next timer is further away than this is written out and dropped from memory.</summary>
    public TimeSpan TimerHorizon { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the store is polled for executions that need a runner (wake-ups after commits make it faster).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claim on an execution lasts without renewal (a multi-process store takes over after it).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    public void Validate()
    {
        if (MaxActiveExecutions < 1 || MaxChildConcurrency < 1 || MaxConcurrentTasks < 1 || MaxStepsPerTransaction < 1 || MaxChildrenInMemory < 1)
            throw new ArgumentException("Workflows:MaxActiveExecutions, MaxChildConcurrency, MaxConcurrentTasks, MaxStepsPerTransaction and MaxChildrenInMemory must be positive");
        if (MaxTransactionTime <= TimeSpan.Zero || PollInterval <= TimeSpan.Zero || LeaseDuration <= TimeSpan.Zero || TimerHorizon < TimeSpan.Zero)
            throw new ArgumentException("Workflows:MaxTransactionTime, PollInterval and LeaseDuration must be positive; TimerHorizon not negative");
    }
}
