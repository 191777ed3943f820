using System.Collections;

namespace Contrail.Observability;

/// <summary>
/// Named values for a logging scope: structured in JSON logs (each pair a field), and readable as text
/// ("queue=x message_id=1") where a formatter prints the scope itself.
/// </summary>
public sealed class LogScope(params KeyValuePair<string, object?>[] values) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public KeyValuePair<string, object?> this[int index] => values[index];

    public int Count => values.Length;

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(' ', values.Select(v => $"{v.Key}={v.Value}"));
}
