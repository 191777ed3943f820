using System.Security.Cryptography;
using System.Text;
using Contrail.Storage;
using Contrail.Workflows.Asl;

namespace Contrail.Workflows;

/// <summary>A request to start an execution.</summary>
/// <param name="StateMachine">The state machine's name.</param>
/// <param name="Input">The execution's input.</param>
/// <param name="Name">The execution's name (unique per state machine); a random one when null.</param>
/// <param name="StartedBy">Who started it: <c>api</c>, <c>rule:{rule}/{target}</c>, or the parent execution's id.</param>
public sealed record StartRequest(string StateMachine, AslValue Input, string? Name = null, string StartedBy = "api")
{
    /// <summary>The parent of a <c>.sync</c> child, resumed when the child ends.</summary>
    internal ParentLink? Parent { get; init; }
}

/// <summary>A <c>.sync</c> child's parent frame and the task it waits in.</summary>
internal sealed record ParentLink(long Seq, string FrameId, string TaskKey);

/// <summary>A started (or, for a repeated start, the existing) execution.</summary>
public sealed record StartResult(string ExecutionId, string ExecutionArn, bool Created, DateTimeOffset StartedAt);

/// <summary>Why an execution could not start.</summary>
public enum StartFailure
{
    StateMachineNotFound,

    /// <summary>An execution with that name exists with a different input.</summary>
    AlreadyExists,
    InvalidName,
    InputTooLarge,
}

public sealed class WorkflowStartException(StartFailure failure, string message) : Exception(message)
{
    public StartFailure Failure { get; } = failure;
}

/// <summary>Writes new executions, idempotently: one execution per name per state machine, and the same name with the same input is the same start.</summary>
internal static class ExecutionStarts
{
    /// <summary>Step Functions' limit on an execution's input (and every payload).</summary>
    public const int MaxInputBytes = 256 * 1024;

    /// <summary>
    /// Inserts the execution in the caller's transaction, or finds the one a previous start with the same name and input
    /// made (whatever its status: a repeated delivery must not start a second execution, even after the first ended).
    /// The new row is claimed by <paramref name="owner"/> when given, else left for any runner to claim.
    /// </summary>
    public static (StoredExecution Execution, bool Created) Insert(StoreWriter writer, StateMachineRegistry registry, StartRequest request, string? owner, long leaseUntil)
    {
        var machine = writer.StateMachineGet(request.StateMachine)
            ?? throw new WorkflowStartException(StartFailure.StateMachineNotFound, $"No state machine named '{request.StateMachine}'");
        var name = request.Name ?? Guid.NewGuid().ToString();
        if (!WorkflowArns.IsValidName(name))
            throw new WorkflowStartException(StartFailure.InvalidName, "an execution name is " + WorkflowArns.NameRule);
        var input = Encoding.UTF8.GetBytes(request.Input.ToJsonString());
        if (input.Length > MaxInputBytes)
            throw new WorkflowStartException(StartFailure.InputTooLarge, $"the input is {input.Length} bytes; the limit is {MaxInputBytes}");
        var hash = SHA256.HashData(input);
        var id = WorkflowArns.ExecutionId(machine.Name, name);
        if (writer.WorkflowExecutionGet(id) is { } existing)
            return CryptographicOperations.FixedTimeEquals(existing.InputHash, hash)
                ? (existing, false)
                : throw new WorkflowStartException(StartFailure.AlreadyExists, $"Execution '{id}' already exists with a different input");

        var definition = registry.Definition(writer, machine.Name, machine.Version);
        var now = writer.NowMs;
        var row = new StoredExecution(0, id, machine.Name, machine.Version, name, ExecutionStatus.Running, Encoding.UTF8.GetString(input), hash,
            null, null, null, now, null, definition.TimeoutSeconds is { } timeout ? now + timeout * 1000L : null,
            Random.Shared.NextInt64(), 0, 0, request.StartedBy, request.Parent?.Seq, request.Parent?.FrameId, request.Parent?.TaskKey, false, null, null);
        var seq = writer.WorkflowExecutionInsert(row, wakeAt: now, owner, owner is null ? null : leaseUntil);
        return (row with { Seq = seq }, true);
    }

    public static StartResult Result(StoredExecution execution, bool created, AslStateMachineType type) =>
        new(execution.Id, WorkflowArns.Execution(execution.StateMachine, execution.Name, type), created, DateTimeOffset.FromUnixTimeMilliseconds(execution.StartedAt));
}
