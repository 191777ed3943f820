using System.Text.Json;
using Contrail.Workflows.Asl;

namespace Contrail.Workflows;

/// <summary>How the bookkeeping of a frame awaiting its children is stored (the parent row's <c>batch</c> column).</summary>
internal sealed record ChildBatchInfo
{
    public required string StateName { get; init; }
    public required ChildBatchKind Kind { get; init; }
    public required int Count { get; init; }

    /// <summary>Children running at once: the state's MaxConcurrency, or the runner's cap when it has none.</summary>
    public required int MaxConcurrency { get; init; }

    public int? ToleratedFailureCount { get; init; }
    public double? ToleratedFailurePercentage { get; init; }

    /// <summary>The outer variables every child reads, stored once here instead of in each child row.</summary>
    public AslObject? Inherited { get; init; }

    /// <summary><see cref="ChildBatch.FailsWith"/> without the children in memory.</summary>
    public bool FailsWith(int failed)
    {
        if (failed == 0) return false;
        if (Kind != ChildBatchKind.DistributedMap) return true;
        if (ToleratedFailureCount is null && ToleratedFailurePercentage is null) return true;
        if (ToleratedFailureCount is { } count && failed > count) return true;
        return ToleratedFailurePercentage is { } pct && Count > 0 && failed * 100.0 / Count > pct;
    }
}

/// <summary>An outcome delivered to a frame waiting on a task from outside its runner (a child execution ended, a callback).</summary>
internal sealed record FrameCompletion(string TaskKey, bool Success, AslValue? Result, string? Error, string? Cause)
{
    public TaskOutcome ToOutcome() => Success ? TaskOutcome.Success(Result ?? AslValue.Null) : TaskOutcome.Failure(Error ?? AslErrorNames.TaskFailed, Cause);

    public static FrameCompletion From(string taskKey, TaskOutcome outcome) =>
        new(taskKey, outcome.IsSuccess, outcome.Result, outcome.Error, outcome.Cause);
}

/// <summary>What a finished child left for its parent (the <c>state</c> of a finished child row).</summary>
internal sealed record FinishedOutcome(AslValue? Output, string? Error, string? Cause);

/// <summary>Serialisation of frames, tasks and bookkeeping rows: System.Text.Json with the engine's own converters.</summary>
internal static class WorkflowJson
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)
        ?? throw new JsonException($"Stored {typeof(T).Name} is null");
}
