using System.Collections.Concurrent;
using Contrail.Events;
using Contrail.Storage;
using Contrail.Workflows.Asl;

namespace Contrail.Workflows;

/// <summary>Names and ARNs of state machines and executions. Contrail's account and region are EventBridge's local ones.</summary>
public static class WorkflowArns
{
    private const string Prefix = "arn:aws:states:" + EventEnvelope.DefaultRegion + ":" + EventEnvelope.DefaultAccount + ":";

    /// <summary>AWS's rule for state machine and execution names: 1-80 characters, none of whitespace, brackets, wildcards, punctuation AWS reserves, or control characters.</summary>
    public const string NameRule = "1-80 characters, without whitespace, control characters or any of < > { } [ ] ? * \" # % \\ ^ | ~ ` $ & , ; : /";

    public static bool IsValidName(string? name)
    {
        if (name is null || name.Length is 0 or > 80) return false;
        foreach (var c in name)
            if (char.IsWhiteSpace(c) || char.IsControl(c) || "<>{}[]?*\"#%\\^|~`$&,;:/".Contains(c)) return false;
        return true;
    }

    public static string StateMachine(string name) => Prefix + "stateMachine:" + name;

    /// <summary>The id Contrail's API uses for an execution: its state machine and its name (neither can hold ':').</summary>
    public static string ExecutionId(string stateMachine, string name) => stateMachine + ":" + name;

    public static string Execution(string stateMachine, string name, AslStateMachineType type = AslStateMachineType.Standard) =>
        Prefix + (type == AslStateMachineType.Express ? "express:" : "execution:") + stateMachine + ":" + name;

    /// <summary>An execution id from an id or an execution ARN (<c>arn:aws:states:…:execution:SM:NAME</c>).</summary>
    public static string NormalizeExecutionId(string idOrArn)
    {
        if (!idOrArn.StartsWith("arn:", StringComparison.Ordinal)) return idOrArn;
        var parts = idOrArn.Split(':');
        return parts.Length == 8 && parts[5] is "execution" or "express" ? parts[6] + ":" + parts[7] : idOrArn;
    }

    /// <summary>A state machine name from a name or a state machine ARN (a version or alias suffix is ignored).</summary>
    public static string? StateMachineName(string nameOrArn)
    {
        if (!nameOrArn.StartsWith("arn:", StringComparison.Ordinal)) return IsValidName(nameOrArn) ? nameOrArn : null;
        var parts = nameOrArn.Split(':');
        return parts.Length is 7 or 8 && parts[2] == "states" && parts[5] == "stateMachine" && IsValidName(parts[6]) ? parts[6] : null;
    }
}

/// <summary>What a PUT of a state machine did.</summary>
public enum StateMachineChange
{
    Created,
    Updated,
    Unchanged,
}

/// <summary>
/// State machines: validated, versioned definitions. Every update adds a version; executions run on the version they
/// started with, so an update never changes a running execution. Parsed definitions are cached by (name, version), which
/// never change once written.
/// </summary>
public sealed class StateMachineRegistry(Store store)
{
    public const string Standard = "STANDARD";
    public const string Express = "EXPRESS";

    private readonly ConcurrentDictionary<(string Name, int Version), AslDefinition> _definitions = new();

    public static AslParseOptions ParseOptions(string type) =>
        new() { Type = type == Express ? AslStateMachineType.Express : AslStateMachineType.Standard };

    /// <summary>Every problem of a definition (empty when valid).</summary>
    public static IReadOnlyList<AslProblem> Validate(string definition, string type) => AslDefinition.Validate(definition, ParseOptions(type));

    /// <summary>
    /// The functions a definition names in its Task resources (<c>contrail:function:NAME</c> and Lambda function ARNs;
    /// <c>lambda:invoke</c> names its function at run time), with the states that name them.
    /// </summary>
    public static IEnumerable<(string State, string Function)> FunctionsNamed(AslDefinition definition) =>
        from graph in definition.Graphs
        from state in graph.States.Values
        where state is TaskStateNode { Resource.Kind: TaskResourceKind.ContrailFunction or TaskResourceKind.LambdaFunction }
        select (state.Name, ((TaskStateNode)state).Resource.FunctionName!);

    /// <summary>Creates or updates (a new version, unless the definition and type are unchanged), in the caller's transaction. The definition must be valid.</summary>
    public (StoredStateMachine Machine, StateMachineChange Change) Save(StoreWriter writer, string name, string definition, string type, string origin)
    {
        var current = writer.StateMachineGet(name);
        if (current is not null && current.Type == type && current.Origin == origin && SameJson(current.Definition, definition))
            return (current, StateMachineChange.Unchanged);
        var version = writer.StateMachineLatestVersion(name) + 1;
        writer.StateMachineSave(name, version, type, definition, origin);
        return (writer.StateMachineGet(name)!, current is null ? StateMachineChange.Created : StateMachineChange.Updated);
    }

    /// <summary>The parsed definition of a version (cached; versions never change).</summary>
    public AslDefinition Definition(StoreReader reader, string name, int version)
    {
        if (_definitions.TryGetValue((name, version), out var definition)) return definition;
        var stored = reader.StateMachineVersionGet(name, version)
            ?? throw new InvalidOperationException($"State machine '{name}' has no version {version}");
        // Stored definitions were valid when written; parse with the policy they were validated under.
        definition = AslDefinition.Parse(stored.Definition, ParseOptions(stored.Type));
        return _definitions.GetOrAdd((name, version), definition);
    }

    public AslDefinition Definition(string name, int version) =>
        _definitions.TryGetValue((name, version), out var definition) ? definition : store.Read(r => Definition(r, name, version));

    private static bool SameJson(string a, string b)
    {
        try { return AslValue.Parse(a).Equals(AslValue.Parse(b)); }
        catch (System.Text.Json.JsonException) { return false; }
    }
}
