namespace Contrail.Workflows.Asl;

/// <summary>One reason a definition was rejected: where (state name and JSON pointer) and why.</summary>
public sealed record AslProblem(string? StateName, string Pointer, string Message)
{
    public override string ToString() => StateName is null ? $"{Message} at {Pointer}" : $"{Message} at {Pointer} (state '{StateName}')";
}

/// <summary>Thrown by <see cref="AslDefinition.Parse"/>; lists every problem found, not only the first.</summary>
public sealed class AslValidationException : Exception
{
    public AslValidationException(IReadOnlyList<AslProblem> problems)
        : base("Invalid State Machine Definition: " + string.Join("; ", problems.Select(p => p.ToString())))
    {
        Problems = problems;
    }

    public IReadOnlyList<AslProblem> Problems { get; }
}

/// <summary>Which Task resources a definition may name.</summary>
public enum AslResourcePolicy
{
    /// <summary>Only resources Contrail can run (functions, lambda:invoke, sqs, events, states, activities); AWS rejects unknown resources at creation too.</summary>
    Known,

    /// <summary>Any URI, as the ASL specification (and statelint) allows; unknown resources resolve to <see cref="TaskResourceKind.Other"/>.</summary>
    AnyUri,
}

/// <summary>Options for <see cref="AslDefinition.Parse"/>.</summary>
public sealed record AslParseOptions
{
    public static readonly AslParseOptions Default = new();

    public AslStateMachineType Type { get; init; } = AslStateMachineType.Standard;
    public AslResourcePolicy Resources { get; init; } = AslResourcePolicy.Known;
}

/// <summary>
/// A parsed and validated state machine: an immutable graph of compiled states (paths, templates, intrinsic
/// calls and Choice rules are compiled once here). Thread-safe and shareable between executions.
/// </summary>
public sealed class AslDefinition
{
    internal AslDefinition(StateGraph root, IReadOnlyList<StateGraph> graphs, string? comment, int? timeoutSeconds, AslQueryLanguage queryLanguage, string? version, AslStateMachineType type)
    {
        Root = root;
        Graphs = graphs;
        Comment = comment;
        TimeoutSeconds = timeoutSeconds;
        QueryLanguage = queryLanguage;
        Version = version;
        Type = type;
    }

    public StateGraph Root { get; }

    /// <summary>Every state set: index 0 is the top level, then Parallel branches and Map processors in document order.</summary>
    public IReadOnlyList<StateGraph> Graphs { get; }

    public string? Comment { get; }

    /// <summary>The execution's TimeoutSeconds (the driver enforces it; see <see cref="AslEngine.TimeOut"/>).</summary>
    public int? TimeoutSeconds { get; }

    public AslQueryLanguage QueryLanguage { get; }
    public string? Version { get; }
    public AslStateMachineType Type { get; }

    /// <summary>Parses and validates; throws <see cref="AslValidationException"/> listing every problem.</summary>
    public static AslDefinition Parse(string json, AslParseOptions? options = null)
    {
        var parser = new AslParser(options ?? AslParseOptions.Default);
        var definition = parser.Parse(json);
        if (parser.Problems.Count > 0 || definition is null) throw new AslValidationException(parser.Problems);
        return definition;
    }

    public static bool TryParse(string json, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AslDefinition? definition, out IReadOnlyList<AslProblem> problems, AslParseOptions? options = null)
    {
        var parser = new AslParser(options ?? AslParseOptions.Default);
        definition = parser.Parse(json);
        problems = parser.Problems;
        if (problems.Count > 0) definition = null;
        return definition is not null;
    }

    /// <summary>Every problem in the definition (empty when it is valid).</summary>
    public static IReadOnlyList<AslProblem> Validate(string json, AslParseOptions? options = null)
    {
        TryParse(json, out _, out var problems, options);
        return problems;
    }

    internal StateNode GetState(int graphIndex, string name) =>
        (uint)graphIndex < (uint)Graphs.Count && Graphs[graphIndex].States.TryGetValue(name, out var state)
            ? state
            : throw new InvalidOperationException($"State '{name}' does not exist in graph {graphIndex} of this definition (was the frame created from another definition?).");
}
