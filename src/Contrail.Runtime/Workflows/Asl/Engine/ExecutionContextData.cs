namespace Contrail.Workflows.Asl;

/// <summary>STANDARD or EXPRESS: EXPRESS forbids activities, <c>.sync</c> and <c>.waitForTaskToken</c>, and has no redrive count.</summary>
public enum AslStateMachineType
{
    Standard,
    Express,
}

/// <summary>Hands out history event ids for one execution; ids are unique and increasing.</summary>
public interface IHistoryEventIds
{
    long Next();
}

/// <summary>
/// Sequential ids, thread-safe. A durable driver creates one per execution continuing from the last id it
/// stored (<c>new SequentialHistoryEventIds(lastStoredId)</c>), so ids never repeat after a crash.
/// </summary>
public sealed class SequentialHistoryEventIds : IHistoryEventIds
{
    private long _last;

    public SequentialHistoryEventIds(long lastUsed = 0) => _last = lastUsed;

    public long Last => Interlocked.Read(ref _last);

    public long Next() => Interlocked.Increment(ref _last);
}

/// <summary>
/// What the engine needs to know about the execution it runs: identity, input, start time, the state machine,
/// the seed for reproducible randomness and the history id source. Immutable apart from the id source; build one
/// per execution (the durable driver stores its fields in the execution row).
/// </summary>
public sealed class ExecutionContextData
{
    private AslObject? _executionObject;
    private AslObject? _stateMachineObject;

    public ExecutionContextData(string executionId, string name, AslValue input, DateTimeOffset startTime, string stateMachineId, string stateMachineName)
    {
        ExecutionId = executionId;
        Name = name;
        Input = input;
        StartTime = startTime;
        StateMachineId = stateMachineId;
        StateMachineName = stateMachineName;
    }

    /// <summary>The execution's id (an ARN on AWS): <c>$$.Execution.Id</c>, and the prefix of every idempotency key.</summary>
    public string ExecutionId { get; }

    public string Name { get; }
    public AslValue Input { get; }
    public DateTimeOffset StartTime { get; }
    public string StateMachineId { get; }
    public string StateMachineName { get; }
    public string RoleArn { get; init; } = "";

    /// <summary>The region reported in TaskScheduled events of service integrations without one in their ARN.</summary>
    public string Region { get; init; } = "us-east-1";
    public AslStateMachineType Type { get; init; } = AslStateMachineType.Standard;
    public int RedriveCount { get; init; }

    /// <summary>Seeds jitter, States.UUID and States.MathRandom; choose it randomly once per execution and store it.</summary>
    public ulong RandomSeed { get; init; }

    /// <summary>Where history event ids come from (a fresh sequence by default).</summary>
    public IHistoryEventIds EventIds { get; init; } = new SequentialHistoryEventIds();

    /// <summary><c>$$.Execution</c>, built once.</summary>
    internal AslObject ExecutionObject => _executionObject ??= BuildExecutionObject();

    /// <summary><c>$$.StateMachine</c>, built once.</summary>
    internal AslObject StateMachineObject => _stateMachineObject ??= new AslObjectBuilder(2)
        .Add("Id", StateMachineId)
        .Add("Name", StateMachineName)
        .Build();

    private AslObject BuildExecutionObject()
    {
        var b = new AslObjectBuilder(6)
            .Add("Id", ExecutionId)
            .Add("Input", Input)
            .Add("StartTime", Rfc3339.Format(StartTime))
            .Add("Name", Name)
            .Add("RoleArn", RoleArn);
        if (Type == AslStateMachineType.Standard) b.Add("RedriveCount", AslNumber.FromLong(RedriveCount));
        return b.Build();
    }
}
