using System.Text;
using System.Text.Json;

namespace Contrail.Bus;

/// <summary>
/// The JSON paths EventBridge accepts in <c>input_path</c> and <c>input_paths_map</c>: <c>$</c>, then
/// <c>.name</c> steps (names of letters, digits, '-', '_', '/', ...), <c>[n]</c> array indices and the
/// <c>*</c> / <c>[*]</c> wildcards. A path with a wildcard selects a JSON array of everything it reached.
/// </summary>
public sealed class InputPath
{
    public const int MaxLength = 256;

    private readonly Step[] _steps;
    private readonly bool _many;

    private InputPath(Step[] steps)
    {
        _steps = steps;
        _many = steps.Any(s => s.Wildcard);
    }

    public static bool TryParse(string? text, out InputPath? path, out string? problem)
    {
        path = null;
        problem = null;
        if (string.IsNullOrEmpty(text) || text[0] != '$')
        {
            problem = "must be a JSON path starting with '$', such as $.detail";
            return false;
        }
        if (text.Length > MaxLength)
        {
            problem = $"must be at most {MaxLength} characters";
            return false;
        }
        var steps = new List<Step>();
        var i = 1;
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                var start = ++i;
                while (i < text.Length && IsNameChar(text[i])) i++;
                var name = text[start..i];
                if (name.Length == 0)
                {
                    problem = $"has an empty name at position {start}; use $.a.b, $.a[0] or $.a[*]";
                    return false;
                }
                steps.Add(name == "*" ? Step.Any : new Step(name, -1, false));
            }
            else if (text[i] == '[')
            {
                var close = text.IndexOf(']', i);
                var inner = close < 0 ? "" : text[(i + 1)..close];
                if (inner == "*") steps.Add(Step.Any);
                else if (inner.Length is > 0 and <= 9 && inner.All(char.IsAsciiDigit)) steps.Add(new Step(null, int.Parse(inner, System.Globalization.CultureInfo.InvariantCulture), false));
                else
                {
                    problem = $"has an invalid index at position {i}; use [0], [1], ... or [*]";
                    return false;
                }
                i = close + 1;
            }
            else
            {
                problem = $"has an unexpected '{text[i]}' at position {i}; use dot notation such as $.detail.name";
                return false;
            }
        }
        path = new InputPath(steps.ToArray());
        return true;
    }

    private static bool IsNameChar(char c) => c is not ('.' or '[' or ']' or '<' or '>' or '"' or '\\') && !char.IsWhiteSpace(c) && !char.IsControl(c);

    /// <summary>The selected value as JSON text, or null when the event has nothing there.</summary>
    public string? SelectJson(JsonElement root)
    {
        if (!_many) return TrySelectOne(root, out var value) ? value.GetRawText() : null;
        var found = new List<JsonElement>();
        SelectAll(root, 0, found);
        var text = new StringBuilder("[");
        for (var i = 0; i < found.Count; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(found[i].GetRawText());
        }
        return text.Append(']').ToString();
    }

    /// <summary>The selected value, when the path has no wildcard and the event has something there.</summary>
    public bool TrySelectOne(JsonElement root, out JsonElement value)
    {
        value = root;
        if (_many) return false;
        foreach (var step in _steps)
        {
            if (step.Name is not null)
            {
                if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(step.Name, out value)) return false;
            }
            else if (value.ValueKind != JsonValueKind.Array || step.Index >= value.GetArrayLength()) return false;
            else value = value[step.Index];
        }
        return true;
    }

    private void SelectAll(JsonElement node, int stepIndex, List<JsonElement> found)
    {
        if (stepIndex == _steps.Length)
        {
            found.Add(node);
            return;
        }
        var step = _steps[stepIndex];
        if (step.Wildcard)
        {
            if (node.ValueKind == JsonValueKind.Array)
                foreach (var item in node.EnumerateArray()) SelectAll(item, stepIndex + 1, found);
            else if (node.ValueKind == JsonValueKind.Object)
                foreach (var property in node.EnumerateObject()) SelectAll(property.Value, stepIndex + 1, found);
        }
        else if (step.Name is not null)
        {
            if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(step.Name, out var child)) SelectAll(child, stepIndex + 1, found);
        }
        else if (node.ValueKind == JsonValueKind.Array && step.Index < node.GetArrayLength())
        {
            SelectAll(node[step.Index], stepIndex + 1, found);
        }
    }

    private readonly record struct Step(string? Name, int Index, bool Wildcard)
    {
        public static readonly Step Any = new(null, -1, true);
    }
}
