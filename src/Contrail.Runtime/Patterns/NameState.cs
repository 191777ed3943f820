namespace Contrail.Patterns;

/// <summary>
/// A state of the matcher (event-ruler's <c>NameState</c>): the rules whose every field has matched on the way here,
/// and the fields to test next. States form a trie over the rules' (path, tests) steps in path order, so rules
/// that begin with the same fields share states, and one test of a value serves all of them.
/// </summary>
internal sealed class NameState(int[] rules, FieldEdge[] edges)
{
    /// <summary>Indexes of the rules complete at this state.</summary>
    public int[] Rules { get; } = rules;

    /// <summary>Fields to test from here, one per path.</summary>
    public FieldEdge[] Edges { get; } = edges;
}
