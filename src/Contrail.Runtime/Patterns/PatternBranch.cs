namespace Contrail.Patterns;

/// <summary>
/// One alternative of a pattern once every <c>$or</c> is expanded: all its fields must match. Fields are sorted by
/// path (ordinal), which is the order the matcher walks them in, so branches sharing leading fields share states.
/// </summary>
internal sealed class PatternBranch
{
    public PatternBranch(IEnumerable<PatternField> fields)
    {
        Fields = fields.OrderBy(f => f.Path, StringComparer.Ordinal).ToArray();
    }

    public PatternField[] Fields { get; }
}
