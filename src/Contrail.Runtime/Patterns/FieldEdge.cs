namespace Contrail.Patterns;

/// <summary>
/// From one state, the tests on one path: <see cref="Values"/> maps a present value to next states;
/// <see cref="AbsentChildren"/> are the next states of rules that accept the field's absence (<c>exists: false</c>).
/// </summary>
internal sealed class FieldEdge(int pathId, ValueMatcher? values, int[] absentChildren)
{
    public int PathId { get; } = pathId;

    public ValueMatcher? Values { get; } = values;

    public int[] AbsentChildren { get; } = absentChildren;
}
