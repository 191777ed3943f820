namespace Contrail.Workflows.Asl;

/// <summary>
/// What paths, templates, intrinsics and Choice rules see while one state runs: <c>$</c>, the context object
/// (built lazily, only when <c>$$</c> is used), the variables in scope and the state's random generator.
/// One instance is reused for every state of a step.
/// </summary>
internal sealed class EvalContext
{
    private AslObject? _contextObject;
    private DeterministicRandom? _random;
    private ulong _randomSeed;

    public EvalContext(ExecutionContextData exec) => Exec = exec;

    public ExecutionContextData Exec { get; }

    /// <summary>The value <c>$</c> refers to right now.</summary>
    public AslValue Input { get; set; } = AslValue.Null;

    public string StateName { get; private set; } = "";
    public DateTimeOffset EnteredTime { get; private set; }
    public int? RetryCount { get; private set; }
    public string? TaskToken { get; private set; }
    public int MapIndex { get; private set; } = -1;
    public AslValue? MapValue { get; private set; }

    /// <summary>Variables assigned in this frame's own scope.</summary>
    public AslObject? Locals { get; set; }

    /// <summary>The read-only snapshot of outer scopes a Map iteration or Parallel branch sees.</summary>
    public AslObject? Inherited { get; set; }

    public DeterministicRandom Random => _random ??= new DeterministicRandom(_randomSeed);

    /// <summary>Sets the per-state part of the context object and the random seed; clears cached values.</summary>
    public void ForState(string stateName, DateTimeOffset enteredTime, int? retryCount, ulong randomSeed)
    {
        StateName = stateName;
        EnteredTime = enteredTime;
        RetryCount = retryCount;
        TaskToken = null;
        MapIndex = -1;
        MapValue = null;
        _randomSeed = randomSeed;
        _random = null;
        _contextObject = null;
    }

    public void SetTaskToken(string? token)
    {
        TaskToken = token;
        _contextObject = null;
    }

    public void SetMapItem(int index, AslValue? value)
    {
        MapIndex = index;
        MapValue = value;
        _contextObject = null;
    }

    public AslObject ContextObject => _contextObject ??= BuildContextObject();

    private AslObject BuildContextObject()
    {
        var state = new AslObjectBuilder(3).Add("Name", StateName).Add("EnteredTime", Rfc3339.Format(EnteredTime));
        if (RetryCount is { } retries) state.Add("RetryCount", AslNumber.FromLong(retries));
        var b = new AslObjectBuilder(5)
            .Add("Execution", Exec.ExecutionObject)
            .Add("StateMachine", Exec.StateMachineObject)
            .Add("State", state.Build());
        if (TaskToken is not null) b.Add("Task", new AslObjectBuilder(1).Add("Token", TaskToken).Build());
        if (MapIndex >= 0)
        {
            var item = new AslObjectBuilder(2).Add("Index", AslNumber.FromLong(MapIndex)).Add("Value", MapValue ?? AslValue.Null).Build();
            b.Add("Map", new AslObjectBuilder(1).Add("Item", item).Build());
        }
        return b.Build();
    }

    public bool TryGetVariable(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AslValue? value)
    {
        if (Locals is not null && Locals.TryGetValue(name, out value)) return true;
        if (Inherited is not null && Inherited.TryGetValue(name, out value)) return true;
        value = null;
        return false;
    }

    /// <summary>The root a path starts from, or null (with a reason) when a variable does not exist.</summary>
    public AslValue? RootFor(JsonPathExpression path, out string? failure)
    {
        failure = null;
        switch (path.Root)
        {
            case PathRoot.Input: return Input;
            case PathRoot.Context: return ContextObject;
            default:
                if (TryGetVariable(path.VariableName!, out var v)) return v;
                failure = $"The variable '${path.VariableName}' is not defined";
                return null;
        }
    }

    /// <summary>Evaluates a path; null (with Jayway's reason) when a definite path finds nothing.</summary>
    public AslValue? TryResolve(JsonPathExpression path, out string? failure)
    {
        var root = RootFor(path, out failure);
        if (root is null) return null;
        return path.Evaluate(root, out failure);
    }

    /// <summary>For <c>"key.$"</c> fields and ErrorPath/CausePath: missing values fail the state with AWS's message.</summary>
    public AslValue ResolveField(JsonPathExpression path, string field)
    {
        var value = TryResolve(path, out _);
        if (value is not null) return value;
        throw new AslRuntimeException(AslErrorNames.Runtime,
            $"The JSONPath '{path.Text}' specified for the field '{field}' could not be found in the input '{Input.ToJsonString()}'");
    }

    /// <summary>For InputPath/OutputPath/ItemsPath: Jayway's <c>Invalid path '…' : …</c> message.</summary>
    public AslValue ResolveIoPath(JsonPathExpression path)
    {
        var value = TryResolve(path, out var failure);
        if (value is not null) return value;
        throw new AslRuntimeException(AslErrorNames.Runtime, $"Invalid path '{path.Text}' : {failure}");
    }

    public AslValue ResolvePathOrThrowIntrinsic(JsonPathExpression path)
    {
        var value = TryResolve(path, out var failure);
        if (value is not null) return value;
        throw new AslRuntimeException(AslErrorNames.Runtime,
            $"The JSONPath '{path.Text}' could not be found in the input '{Input.ToJsonString()}'" + (failure is null ? "" : $" ({failure})"));
    }
}
