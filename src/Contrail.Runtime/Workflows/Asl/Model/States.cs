namespace Contrail.Workflows.Asl;

/// <summary>The eight ASL state types.</summary>
public enum AslStateType : byte
{
    Pass,
    Task,
    Choice,
    Wait,
    Succeed,
    Fail,
    Parallel,
    Map,
}

/// <summary>JSONPath (the default) or JSONata, per state machine or per state.</summary>
public enum AslQueryLanguage : byte
{
    JsonPath,
    Jsonata,
}

/// <summary>A set of states with a start: the top-level <c>States</c>, a Parallel branch or a Map's item processor.</summary>
public sealed class StateGraph
{
    internal StateGraph(int index, string startAt, IReadOnlyDictionary<string, StateNode> states, string? ownerState, int branchIndex)
    {
        Index = index;
        StartAt = startAt;
        States = states;
        OwnerState = ownerState;
        BranchIndex = branchIndex;
    }

    /// <summary>Position in <see cref="AslDefinition.Graphs"/> (0 is the top level); stable for a given definition text.</summary>
    public int Index { get; }

    public string StartAt { get; }

    public IReadOnlyDictionary<string, StateNode> States { get; }

    /// <summary>The Parallel or Map state that owns this graph (null at the top level).</summary>
    public string? OwnerState { get; }

    /// <summary>Branch index within a Parallel state (0 for a Map processor and the top level).</summary>
    public int BranchIndex { get; }

    internal StateNode Start => States[StartAt];
}

/// <summary>A compiled state. The subclasses hold pre-compiled paths, templates and rules.</summary>
public abstract class StateNode
{
    private protected StateNode(string name, AslStateType type)
    {
        Name = name;
        Type = type;
        EnteredEventType = type + "StateEntered";
        ExitedEventType = type + "StateExited";
        NameHash = DeterministicRandom.Hash(name);
    }

    /// <summary>Stable hash of the name, part of the state's random seed (computed once).</summary>
    internal ulong NameHash { get; }

    public string Name { get; }
    public AslStateType Type { get; }
    public string? Comment { get; internal set; }
    public string? Next { get; internal set; }
    public bool End { get; internal set; }
    public AslQueryLanguage QueryLanguage { get; internal set; }

    internal string EnteredEventType { get; }
    internal string ExitedEventType { get; }

    /// <summary>InputPath: null means the default <c>$</c>; <see cref="InputPathIsNull"/> means <c>"InputPath": null</c> (input becomes <c>{}</c>).</summary>
    internal JsonPathExpression? InputPath { get; set; }

    internal bool InputPathIsNull { get; set; }
    internal JsonPathExpression? OutputPath { get; set; }
    internal bool OutputPathIsNull { get; set; }
    internal ObjectNode? Assign { get; set; }

    /// <summary>The JSONata fields (Output, Assign, Arguments, …) when the state uses JSONata.</summary>
    internal JsonataFields? Jsonata { get; set; }


    internal StateGraph Graph { get; set; } = null!;
}

/// <summary>ResultPath: discard (<c>null</c>), replace (<c>$</c>) or set at a reference path.</summary>
internal sealed class ResultPathSpec
{
    public static readonly ResultPathSpec Replace = new(null, false);
    public static readonly ResultPathSpec Discard = new(null, true);

    public ResultPathSpec(JsonPathExpression? path, bool discard)
    {
        Path = path;
        IsDiscard = discard;
    }

    public JsonPathExpression? Path { get; }
    public bool IsDiscard { get; }

    /// <summary>Merges <paramref name="result"/> into <paramref name="rawInput"/> at the path.</summary>
    public AslValue Apply(AslValue rawInput, AslValue result)
    {
        if (IsDiscard) return rawInput;
        if (Path is null || Path.IsRootOnly) return result;
        return Set(rawInput, Path.Segments, 0, result);
    }

    private AslValue Set(AslValue? node, ReadOnlySpan<PathSegment> segments, int i, AslValue result)
    {
        if (i == segments.Length) return result;
        switch (segments[i])
        {
            case PropertySegment p:
                {
                    AslObject obj;
                    if (node is null) obj = AslObject.Empty;
                    else if (node is AslObject o) obj = o;
                    else throw Unable(node);
                    obj.TryGetValue(p.Name, out var child);
                    return obj.With(p.Name, Set(child, segments, i + 1, result));
                }
            case IndexSegment ix:
                {
                    if (node is not AslArray array || ix.Index < 0 || ix.Index >= array.Count) throw Unable(node);
                    var items = array.Items.ToArray();
                    items[ix.Index] = Set(items[ix.Index], segments, i + 1, result);
                    return new AslArray(items);
                }
            default:
                throw Unable(node);
        }
    }

    private AslRuntimeException Unable(AslValue? node) =>
        new(AslErrorNames.Runtime, $"Invalid path '{Path!.Text}': The ResultPath cannot be applied to the input '{node?.ToJsonString() ?? "null"}'.");
}

/// <summary>A retrier of a Task, Parallel or Map state.</summary>
internal sealed class Retrier
{
    public required string[] ErrorEquals { get; init; }
    public int IntervalSeconds { get; init; } = 1;
    public int MaxAttempts { get; init; } = 3;
    public double BackoffRate { get; init; } = 2.0;
    public int? MaxDelaySeconds { get; init; }
    public bool FullJitter { get; init; }

    public bool Matches(string error, bool terminal)
    {
        foreach (var e in ErrorEquals)
            if (AslErrorNames.Matches(e, error, terminal)) return true;
        return false;
    }
}

/// <summary>A catcher of a Task, Parallel or Map state.</summary>
internal sealed class Catcher
{
    public required string[] ErrorEquals { get; init; }
    public required string Next { get; init; }
    public ResultPathSpec ResultPath { get; init; } = ResultPathSpec.Replace;
    public ObjectNode? Assign { get; init; }
    public JTemplate? JsonataOutput { get; init; }
    public JTemplate? JsonataAssign { get; init; }

    public bool Matches(string error, bool terminal)
    {
        foreach (var e in ErrorEquals)
            if (AslErrorNames.Matches(e, error, terminal)) return true;
        return false;
    }
}

/// <summary>States with Retry/Catch and result processing (Task, Parallel, Map).</summary>
public abstract class ExecutingStateNode : StateNode
{
    private protected ExecutingStateNode(string name, AslStateType type) : base(name, type) { }

    internal PayloadNode? Parameters { get; set; }
    internal PayloadNode? ResultSelector { get; set; }
    internal ResultPathSpec ResultPath { get; set; } = ResultPathSpec.Replace;
    internal Retrier[] Retry { get; set; } = [];
    internal Catcher[] Catch { get; set; } = [];
}

public sealed class PassStateNode : StateNode
{
    internal PassStateNode(string name) : base(name, AslStateType.Pass) { }

    internal PayloadNode? Parameters { get; set; }
    internal AslValue? Result { get; set; }

    /// <summary>Set when the literal Result alone exceeds the 256 KiB payload quota.</summary>
    internal bool ResultTooLarge { get; set; }

    internal ResultPathSpec ResultPath { get; set; } = ResultPathSpec.Replace;
}

public sealed class TaskStateNode : ExecutingStateNode
{
    internal TaskStateNode(string name) : base(name, AslStateType.Task) { }

    public TaskResource Resource { get; internal set; } = null!;
    internal int? TimeoutSeconds { get; set; }
    internal JsonPathExpression? TimeoutSecondsPath { get; set; }
    internal int? HeartbeatSeconds { get; set; }
    internal JsonPathExpression? HeartbeatSecondsPath { get; set; }
    internal PayloadNode? Credentials { get; set; }
}

internal sealed class ChoiceBranch
{
    public required ChoiceCondition Condition { get; init; }
    public required string Next { get; init; }
    public ObjectNode? Assign { get; init; }
    public JTemplate? JsonataOutput { get; init; }
    public JTemplate? JsonataAssign { get; init; }
}

public sealed class ChoiceStateNode : StateNode
{
    internal ChoiceStateNode(string name) : base(name, AslStateType.Choice) { }

    internal ChoiceBranch[] Choices { get; set; } = [];
    public string? Default { get; internal set; }
}

public sealed class WaitStateNode : StateNode
{
    internal WaitStateNode(string name) : base(name, AslStateType.Wait) { }

    internal long? Seconds { get; set; }
    internal JsonPathExpression? SecondsPath { get; set; }
    internal DateTimeOffset? Timestamp { get; set; }
    internal JsonPathExpression? TimestampPath { get; set; }
}

public sealed class SucceedStateNode : StateNode
{
    internal SucceedStateNode(string name) : base(name, AslStateType.Succeed) { }
}

/// <summary>ErrorPath/CausePath: a path or an intrinsic call.</summary>
internal sealed class DynamicString
{
    public JsonPathExpression? Path { get; init; }
    public IntrinsicCall? Call { get; init; }
    public required string Text { get; init; }
}

public sealed class FailStateNode : StateNode
{
    internal FailStateNode(string name) : base(name, AslStateType.Fail) { }

    public string? Error { get; internal set; }
    public string? Cause { get; internal set; }
    internal DynamicString? ErrorPath { get; set; }
    internal DynamicString? CausePath { get; set; }
}

public sealed class ParallelStateNode : ExecutingStateNode
{
    internal ParallelStateNode(string name) : base(name, AslStateType.Parallel) { }

    public IReadOnlyList<StateGraph> Branches { get; internal set; } = [];
}

public sealed class MapStateNode : ExecutingStateNode
{
    internal MapStateNode(string name) : base(name, AslStateType.Map) { }

    public StateGraph Processor { get; internal set; } = null!;
    public bool IsDistributed { get; internal set; }
    internal JsonPathExpression? ItemsPath { get; set; }

    /// <summary>ItemSelector, or the legacy Parameters (same meaning).</summary>
    internal PayloadNode? ItemSelector { get; set; }

    internal int? MaxConcurrency { get; set; }
    internal JsonPathExpression? MaxConcurrencyPath { get; set; }
    internal int? ToleratedFailureCount { get; set; }
    internal JsonPathExpression? ToleratedFailureCountPath { get; set; }
    internal double? ToleratedFailurePercentage { get; set; }

    /// <summary>ItemReader, ItemBatcher or ResultWriter: accepted at creation as AWS does, failing at run time (not supported).</summary>
    internal bool UsesUnsupportedMapFeatures { get; set; }
    internal JsonPathExpression? ToleratedFailurePercentagePath { get; set; }
}
