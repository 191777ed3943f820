using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Contrail.Workflows.Asl;

/// <summary>What a path is evaluated against.</summary>
internal enum PathRoot : byte
{
    /// <summary><c>$</c>: the state's input (or whatever the field applies to).</summary>
    Input,

    /// <summary><c>$$</c>: the context object.</summary>
    Context,

    /// <summary><c>$name</c>: a workflow variable (JSONPath mode).</summary>
    Variable,
}

/// <summary>
/// A compiled JSONPath (the Jayway dialect Step Functions uses): parsed once at definition time, evaluated
/// without re-parsing. A path is <em>definite</em> when it names at most one value (only <c>.name</c> and
/// <c>[n]</c> steps); definite paths fail when nothing is found, indefinite ones return an array of matches.
/// </summary>
internal sealed class JsonPathExpression
{
    private readonly PathSegment[] _segments;

    private JsonPathExpression(string text, PathRoot root, string? variable, PathSegment[] segments)
    {
        Text = text;
        Root = root;
        VariableName = variable;
        _segments = segments;
        IsDefinite = segments.All(s => s.IsDefinite);
    }

    public string Text { get; }
    public PathRoot Root { get; }
    public string? VariableName { get; }
    public bool IsDefinite { get; }
    public bool IsRootOnly => _segments.Length == 0;

    /// <summary>True for paths made only of property names (what ResultPath accepts).</summary>
    public bool IsReferencePath => Root == PathRoot.Input && _segments.All(s => s is PropertySegment or IndexSegment);

    internal ReadOnlySpan<PathSegment> Segments => _segments;

    public override string ToString() => Text;

    public static JsonPathExpression Parse(string text) =>
        TryParse(text, out var path, out var error) ? path : throw new FormatException(error);

    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out JsonPathExpression? path, out string? error)
    {
        path = null;
        error = null;
        try
        {
            var parser = new PathParser(text);
            path = parser.ParseFull();
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>
    /// Evaluates a definite path. Returns false when a step finds nothing, with Jayway's explanation
    /// (<c>No results for path: $['x']</c> or <c>Missing property in path $['a']</c>).
    /// </summary>
    public bool TryEvaluateDefinite(AslValue root, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AslValue? value, out string? failure)
    {
        System.Diagnostics.Debug.Assert(IsDefinite);
        var current = root;
        var segments = _segments;
        for (var i = 0; i < segments.Length; i++)
        {
            var next = ((IDefiniteSegment)segments[i]).Select(current);
            if (next is null)
            {
                value = null;
                failure = i == segments.Length - 1 || segments[i] is IndexSegment
                    ? "No results for path: " + Render(segments.Length)
                    : "Missing property in path " + Render(i + 1);
                return false;
            }
            current = next;
        }
        value = current;
        failure = null;
        return true;
    }

    /// <summary>Evaluates an indefinite path: every match, in document order.</summary>
    public AslArray EvaluateAll(AslValue root)
    {
        var current = new List<AslValue> { root };
        var next = new List<AslValue>();
        foreach (var segment in _segments)
        {
            next.Clear();
            foreach (var value in current) segment.Collect(value, root, next);
            (current, next) = (next, current);
            if (current.Count == 0) break;
        }
        return current.Count == 0 ? AslArray.Empty : new AslArray(current.ToArray());
    }

    /// <summary>Evaluates the path: the value for definite paths (null when missing), an array for indefinite ones.</summary>
    public AslValue? Evaluate(AslValue root, out string? failure)
    {
        if (IsDefinite)
            return TryEvaluateDefinite(root, out var v, out failure) ? v : null;
        failure = null;
        return EvaluateAll(root);
    }

    /// <summary>Jayway's bracket rendering of the first <paramref name="count"/> steps, e.g. <c>$['a'][0]</c>.</summary>
    public string Render(int count)
    {
        var sb = new StringBuilder(Root == PathRoot.Context ? "$$" : Root == PathRoot.Variable ? "$" + VariableName : "$");
        for (var i = 0; i < count && i < _segments.Length; i++) sb.Append(_segments[i].Render());
        return sb.ToString();
    }

    private sealed class PathParser
    {
        private readonly string _text;
        private int _pos;

        public PathParser(string text) => _text = text;

        public JsonPathExpression ParseFull()
        {
            if (_text.Length == 0 || _text[0] != '$') throw Error("a path must start with '$'");
            _pos = 1;
            var root = PathRoot.Input;
            string? variable = null;
            if (_pos < _text.Length && _text[_pos] == '$')
            {
                root = PathRoot.Context;
                _pos++;
            }
            else if (_pos < _text.Length && IsVariableStart(_text[_pos]))
            {
                root = PathRoot.Variable;
                var start = _pos;
                while (_pos < _text.Length && IsVariablePart(_text[_pos])) _pos++;
                variable = _text[start.._pos];
            }
            var segments = new List<PathSegment>();
            while (_pos < _text.Length)
                segments.Add(ParseSegment());
            return new JsonPathExpression(_text, root, variable, segments.ToArray());
        }

        private PathSegment ParseSegment()
        {
            var c = _text[_pos];
            if (c == '.')
            {
                _pos++;
                if (_pos < _text.Length && _text[_pos] == '.')
                {
                    _pos++;
                    if (_pos >= _text.Length) throw Error("path must not end with '..'");
                    if (_text[_pos] == '[') return new DeepScanSegment(ParseBracket());
                    if (_text[_pos] == '*')
                    {
                        _pos++;
                        return new DeepScanSegment(WildcardSegment.Instance);
                    }
                    return new DeepScanSegment(new PropertySegment(ReadDotName()));
                }
                if (_pos >= _text.Length) throw Error("path must not end with '.'");
                if (_text[_pos] == '*')
                {
                    _pos++;
                    return WildcardSegment.Instance;
                }
                if (_text[_pos] == '[') return ParseBracket();
                return new PropertySegment(ReadDotName());
            }
            if (c == '[') return ParseBracket();
            throw Error($"unexpected character '{c}'");
        }

        private string ReadDotName()
        {
            var start = _pos;
            while (_pos < _text.Length)
            {
                var c = _text[_pos];
                if (c is '.' or '[') break;
                if (char.IsWhiteSpace(c) || c is ']' or '(' or ')' or '\'' or '"' or ',' or '$' or '@' or '?')
                    throw Error($"unexpected character '{c}' in property name");
                _pos++;
            }
            if (_pos == start) throw Error("empty property name");
            return _text[start.._pos];
        }

        private PathSegment ParseBracket()
        {
            _pos++; // '['
            SkipSpaces();
            if (_pos >= _text.Length) throw Error("unterminated '['");
            var c = _text[_pos];
            PathSegment segment;
            if (c == '*')
            {
                _pos++;
                segment = WildcardSegment.Instance;
            }
            else if (c is '\'' or '"')
            {
                var names = new List<string> { ReadQuoted() };
                SkipSpaces();
                while (_pos < _text.Length && _text[_pos] == ',')
                {
                    _pos++;
                    SkipSpaces();
                    names.Add(ReadQuoted());
                    SkipSpaces();
                }
                segment = names.Count == 1 ? new PropertySegment(names[0]) : new MultiPropertySegment(names.ToArray());
            }
            else if (c == '?')
            {
                _pos++;
                SkipSpaces();
                if (_pos >= _text.Length || _text[_pos] != '(') throw Error("expected '(' after '?'");
                var close = FindMatchingParen(_pos);
                var filterText = _text[(_pos + 1)..close];
                segment = new FilterSegment(FilterParser.Parse(filterText));
                _pos = close + 1;
            }
            else if (c == ':' || c == '-' || char.IsAsciiDigit(c))
            {
                segment = ParseIndexOrSlice();
            }
            else
            {
                throw Error($"unexpected character '{c}' after '['");
            }
            SkipSpaces();
            if (_pos >= _text.Length || _text[_pos] != ']') throw Error("expected ']'");
            _pos++;
            return segment;
        }

        private PathSegment ParseIndexOrSlice()
        {
            int? first = ReadOptionalInt();
            SkipSpaces();
            if (_pos < _text.Length && _text[_pos] == ':')
            {
                _pos++;
                SkipSpaces();
                int? end = ReadOptionalInt();
                SkipSpaces();
                int? step = null;
                if (_pos < _text.Length && _text[_pos] == ':')
                {
                    _pos++;
                    SkipSpaces();
                    step = ReadOptionalInt();
                }
                if (step == 0) throw Error("slice step must not be 0");
                return new SliceSegment(first, end, step ?? 1);
            }
            if (first is null) throw Error("expected an index");
            if (_pos < _text.Length && _text[_pos] == ',')
            {
                var indexes = new List<int> { first.Value };
                while (_pos < _text.Length && _text[_pos] == ',')
                {
                    _pos++;
                    SkipSpaces();
                    indexes.Add(ReadOptionalInt() ?? throw Error("expected an index"));
                    SkipSpaces();
                }
                return new MultiIndexSegment(indexes.ToArray());
            }
            return new IndexSegment(first.Value);
        }

        private int? ReadOptionalInt()
        {
            var start = _pos;
            if (_pos < _text.Length && _text[_pos] == '-') _pos++;
            while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
            if (_pos == start) return null;
            if (!int.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
                throw Error("invalid index");
            return n;
        }

        private string ReadQuoted()
        {
            if (_pos >= _text.Length || _text[_pos] is not ('\'' or '"')) throw Error("expected a quoted name");
            var quote = _text[_pos++];
            var sb = new StringBuilder();
            while (_pos < _text.Length)
            {
                var c = _text[_pos++];
                if (c == '\\' && _pos < _text.Length && (_text[_pos] == quote || _text[_pos] == '\\'))
                {
                    // Jayway only treats the delimiter (and a backslash before it) as escaped; other backslashes stay.
                    sb.Append(_text[_pos++]);
                    continue;
                }
                if (c == quote) return sb.ToString();
                sb.Append(c);
            }
            throw Error("unterminated quoted name");
        }

        private int FindMatchingParen(int open)
        {
            var depth = 0;
            char? quote = null;
            for (var i = open; i < _text.Length; i++)
            {
                var c = _text[i];
                if (quote is not null)
                {
                    if (c == '\\') i++;
                    else if (c == quote) quote = null;
                    continue;
                }
                if (c is '\'' or '"') quote = c;
                else if (c == '(') depth++;
                else if (c == ')' && --depth == 0) return i;
            }
            throw Error("unbalanced parentheses in filter");
        }

        private void SkipSpaces()
        {
            while (_pos < _text.Length && _text[_pos] == ' ') _pos++;
        }

        private FormatException Error(string message) => new($"Invalid JSONPath '{_text}': {message}.");
    }

    internal static bool IsVariableStart(char c) => char.IsLetter(c) || c == '_';

    internal static bool IsVariablePart(char c) => char.IsLetterOrDigit(c) || c == '_';
}

internal abstract class PathSegment
{
    public abstract bool IsDefinite { get; }

    /// <summary>Adds this step's matches for <paramref name="value"/> to <paramref name="output"/>.</summary>
    public abstract void Collect(AslValue value, AslValue root, List<AslValue> output);

    public abstract string Render();
}

internal interface IDefiniteSegment
{
    AslValue? Select(AslValue value);
}

internal sealed class PropertySegment : PathSegment, IDefiniteSegment
{
    public PropertySegment(string name) => Name = name;
    public string Name { get; }
    public override bool IsDefinite => true;

    public AslValue? Select(AslValue value) =>
        value is AslObject obj && obj.TryGetValue(Name, out var v) ? v : null;

    public override void Collect(AslValue value, AslValue root, List<AslValue> output)
    {
        if (value is AslObject obj && obj.TryGetValue(Name, out var v)) output.Add(v);
    }

    public override string Render() => "['" + Name + "']";
}

internal sealed class IndexSegment : PathSegment, IDefiniteSegment
{
    public IndexSegment(int index) => Index = index;
    public int Index { get; }
    public override bool IsDefinite => true;

    public AslValue? Select(AslValue value)
    {
        if (value is not AslArray array) return null;
        var i = Index < 0 ? array.Count + Index : Index;
        return i >= 0 && i < array.Count ? array[i] : null;
    }

    public override void Collect(AslValue value, AslValue root, List<AslValue> output)
    {
        var v = Select(value);
        if (v is not null) output.Add(v);
    }

    public override string Render() => "[" + Index.ToString(CultureInfo.InvariantCulture) + "]";
}

internal sealed class WildcardSegment : PathSegment
{
    public static readonly WildcardSegment Instance = new();
    public override bool IsDefinite => false;

    public override void Collect(AslValue value, AslValue root, List<AslValue> output)
    {
        if (value is AslArray array) foreach (var item in array.Items) output.Add(item);
        else if (value is AslObject obj) foreach (var item in obj.Values) output.Add(item);
    }

    public override string Render() => "[*]";
}

internal sealed class MultiPropertySegment : PathSegment
{
    private readonly string[] _names;
    public MultiPropertySegment(string[] names) => _names = names;
    public override bool IsDefinite => false;

    public override void Collect(AslValue value, AslValue root, List<AslValue> output)
    {
        if (value is not AslObject obj) return;
        foreach (var name in _names)
            if (obj.TryGetValue(name, out var v)) output.Add(v);
    }

    public override string Render() => "[" + string.Join(",", _names.Select(n => "'" + n + "'")) + "]";
}

internal sealed class MultiIndexSegment : PathSegment
{
    private readonly int[] _indexes;
    public MultiIndexSegment(int[] indexes) => _indexes = indexes;
    public override bool IsDefinite => false;

    public override void Collect(AslValue value, AslValue root, List<AslValue> output)
    {
        if (value is not AslArray array) return;
        foreach (var index in _indexes)
        {
            var i = index < 0 ? array.Count + index : index;
            if (i >= 0 && i < array.Count) output.Add(array[i]);
        }
    }

    public override string Render() => "[" + string.Join(",", _indexes) + "]";
}

internal sealed class SliceSegment : PathSegment
{
    private readonly int? _start;
    private readonly int? _end;
    private readonly int _step;

    public SliceSegment(int? start, int? end, int step)
    {
        _start = start;
        _end = end;
        _step = step;
    }

    public override bool IsDefinite => false;

    public override void Collect(AslValue value, AslValue root, List<AslValue> output)
    {
        if (value is not AslArray array) return;
        var n = array.Count;
        if (_step > 0)
        {
            var start = Normalize(_start ?? 0, n);
            var end = Normalize(_end ?? n, n);
            for (var i = start; i < end; i += _step) output.Add(array[i]);
        }
        else
        {
            var start = _start is null ? n - 1 : Math.Min(Normalize(_start.Value, n), n - 1);
            var end = _end is null ? -1 : Normalize(_end.Value, n);
            for (var i = start; i > end; i += _step) output.Add(array[i]);
        }
    }

    private static int Normalize(int i, int n) => i < 0 ? Math.Max(0, n + i) : Math.Min(i, n);

    public override string Render() => "[" + _start + ":" + _end + (_step != 1 ? ":" + _step : "") + "]";
}

internal sealed class DeepScanSegment : PathSegment
{
    private readonly PathSegment _inner;
    public DeepScanSegment(PathSegment inner) => _inner = inner;
    public override bool IsDefinite => false;

    public override void Collect(AslValue value, AslValue root, List<AslValue> output)
    {
        _inner.Collect(value, root, output);
        if (value is AslArray array)
            foreach (var item in array.Items) Collect(item, root, output);
        else if (value is AslObject obj)
            foreach (var item in obj.Values) Collect(item, root, output);
    }

    public override string Render() => ".." + _inner.Render();
}

internal sealed class FilterSegment : PathSegment
{
    private readonly FilterExpr _filter;
    public FilterSegment(FilterExpr filter) => _filter = filter;
    public override bool IsDefinite => false;

    public override void Collect(AslValue value, AslValue root, List<AslValue> output)
    {
        if (value is AslArray array)
        {
            foreach (var item in array.Items)
                if (_filter.Test(item, root)) output.Add(item);
        }
        else if (value is AslObject && _filter.Test(value, root))
        {
            output.Add(value);
        }
    }

    public override string Render() => "[?]";
}

/// <summary>A predicate inside <c>[?( … )]</c>.</summary>
internal abstract class FilterExpr
{
    public abstract bool Test(AslValue current, AslValue root);
}

internal static class FilterParser
{
    public static FilterExpr Parse(string text)
    {
        var p = new Impl(text);
        var expr = p.ParseOr();
        p.SkipSpaces();
        if (!p.AtEnd) throw new FormatException($"Invalid filter expression '{text}'.");
        return expr;
    }

    private sealed class Impl
    {
        private readonly string _t;
        private int _p;

        public Impl(string t) => _t = t;

        public bool AtEnd => _p >= _t.Length;

        public void SkipSpaces()
        {
            while (_p < _t.Length && char.IsWhiteSpace(_t[_p])) _p++;
        }

        private bool TryConsume(string token)
        {
            SkipSpaces();
            if (string.CompareOrdinal(_t, _p, token, 0, token.Length) == 0)
            {
                _p += token.Length;
                return true;
            }
            return false;
        }

        public FilterExpr ParseOr()
        {
            var left = ParseAnd();
            while (TryConsume("||")) left = new OrFilter(left, ParseAnd());
            return left;
        }

        private FilterExpr ParseAnd()
        {
            var left = ParseUnary();
            while (TryConsume("&&")) left = new AndFilter(left, ParseUnary());
            return left;
        }

        private FilterExpr ParseUnary()
        {
            SkipSpaces();
            if (_p < _t.Length && _t[_p] == '!' && (_p + 1 >= _t.Length || _t[_p + 1] != '='))
            {
                _p++;
                return new NotFilter(ParseUnary());
            }
            if (_p < _t.Length && _t[_p] == '(')
            {
                _p++;
                var inner = ParseOr();
                if (!TryConsume(")")) throw new FormatException("Expected ')' in filter.");
                return inner;
            }
            var left = ParseOperand();
            SkipSpaces();
            foreach (var op in new[] { "==", "!=", "<=", ">=", "=~", "<", ">", " in ", " nin " })
            {
                if (TryConsume(op.Trim()))
                {
                    if (op == "=~")
                    {
                        SkipSpaces();
                        return new RegexFilter(left, ReadRegex());
                    }
                    return new CompareFilter(left, op.Trim(), ParseOperand());
                }
            }
            return new ExistsFilter(left);
        }

        private Regex ReadRegex()
        {
            if (_p >= _t.Length || _t[_p] != '/') throw new FormatException("Expected a /regex/ in filter.");
            var end = _t.LastIndexOf('/');
            if (end <= _p) throw new FormatException("Unterminated regex in filter.");
            var pattern = _t[(_p + 1)..end];
            _p = end + 1;
            var options = RegexOptions.CultureInvariant;
            while (_p < _t.Length && char.IsLetter(_t[_p]))
            {
                if (_t[_p] == 'i') options |= RegexOptions.IgnoreCase;
                _p++;
            }
            return new Regex(pattern, options, TimeSpan.FromSeconds(1));
        }

        private FilterOperand ParseOperand()
        {
            SkipSpaces();
            if (_p >= _t.Length) throw new FormatException("Expected an operand in filter.");
            var c = _t[_p];
            if (c is '@' or '$')
            {
                var start = _p;
                _p++;
                var depth = 0;
                char? quote = null;
                while (_p < _t.Length)
                {
                    var ch = _t[_p];
                    if (quote is not null)
                    {
                        if (ch == quote) quote = null;
                        _p++;
                        continue;
                    }
                    if (ch is '\'' or '"') quote = ch;
                    else if (ch == '[') depth++;
                    else if (ch == ']') depth--;
                    else if (depth == 0 && (char.IsWhiteSpace(ch) || ch is '=' or '!' or '<' or '>' or '&' or '|' or ')')) break;
                    _p++;
                }
                var text = _t[start.._p];
                var relative = c == '@';
                var path = JsonPathExpression.Parse(relative ? "$" + text[1..] : text);
                return new PathOperand(path, relative);
            }
            if (c is '\'' or '"')
            {
                _p++;
                var sb = new StringBuilder();
                while (_p < _t.Length && _t[_p] != c)
                {
                    if (_t[_p] == '\\' && _p + 1 < _t.Length) _p++;
                    sb.Append(_t[_p++]);
                }
                if (_p >= _t.Length) throw new FormatException("Unterminated string in filter.");
                _p++;
                return new LiteralOperand(new AslString(sb.ToString()));
            }
            if (c == '[')
            {
                var end = _t.IndexOf(']', _p);
                if (end < 0) throw new FormatException("Unterminated array in filter.");
                var json = _t[_p..(end + 1)].Replace('\'', '"');
                _p = end + 1;
                return new LiteralOperand(AslValue.Parse(json));
            }
            var s = _p;
            while (_p < _t.Length && (char.IsLetterOrDigit(_t[_p]) || _t[_p] is '-' or '+' or '.')) _p++;
            var word = _t[s.._p];
            return word switch
            {
                "true" => new LiteralOperand(AslValue.True),
                "false" => new LiteralOperand(AslValue.False),
                "null" => new LiteralOperand(AslValue.Null),
                _ when double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out _) => new LiteralOperand(AslNumber.FromText(word)),
                _ => throw new FormatException($"Unexpected '{word}' in filter."),
            };
        }
    }
}

internal abstract class FilterOperand
{
    public abstract AslValue? Resolve(AslValue current, AslValue root);
}

internal sealed class LiteralOperand(AslValue value) : FilterOperand
{
    public override AslValue? Resolve(AslValue current, AslValue root) => value;
}

internal sealed class PathOperand(JsonPathExpression path, bool relative) : FilterOperand
{
    public override AslValue? Resolve(AslValue current, AslValue root) => path.Evaluate(relative ? current : root, out _);
}

internal sealed class ExistsFilter(FilterOperand operand) : FilterExpr
{
    public override bool Test(AslValue current, AslValue root) => operand.Resolve(current, root) is not null;
}

internal sealed class NotFilter(FilterExpr inner) : FilterExpr
{
    public override bool Test(AslValue current, AslValue root) => !inner.Test(current, root);
}

internal sealed class AndFilter(FilterExpr left, FilterExpr right) : FilterExpr
{
    public override bool Test(AslValue current, AslValue root) => left.Test(current, root) && right.Test(current, root);
}

internal sealed class OrFilter(FilterExpr left, FilterExpr right) : FilterExpr
{
    public override bool Test(AslValue current, AslValue root) => left.Test(current, root) || right.Test(current, root);
}

internal sealed class RegexFilter(FilterOperand operand, Regex regex) : FilterExpr
{
    public override bool Test(AslValue current, AslValue root) =>
        operand.Resolve(current, root) is AslString s && regex.IsMatch(s.Value);
}

internal sealed class CompareFilter(FilterOperand left, string op, FilterOperand right) : FilterExpr
{
    public override bool Test(AslValue current, AslValue root)
    {
        var a = left.Resolve(current, root);
        var b = right.Resolve(current, root);
        switch (op)
        {
            case "==": return a is not null && b is not null && a.Equals(b);
            case "!=": return !(a is not null && b is not null && a.Equals(b));
            case "in": return a is not null && b is AslArray arr && arr.Items.ToArray().Any(x => x.Equals(a));
            case "nin": return a is not null && b is AslArray arr2 && !arr2.Items.ToArray().Any(x => x.Equals(a));
        }
        int cmp;
        if (a is AslNumber x && b is AslNumber y) cmp = AslNumber.Compare(x, y);
        else if (a is AslString s && b is AslString t) cmp = string.CompareOrdinal(s.Value, t.Value);
        else return false;
        return op switch
        {
            "<" => cmp < 0,
            "<=" => cmp <= 0,
            ">" => cmp > 0,
            ">=" => cmp >= 0,
            _ => false,
        };
    }
}
