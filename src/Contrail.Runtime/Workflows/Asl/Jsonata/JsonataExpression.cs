using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Contrail.Workflows.Asl;

/// <summary>A JSONata evaluation failure: <see cref="Code"/> is JSONata's error code (T1006, T2001, …).</summary>
internal sealed class JsonataException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// A parsed JSONata expression (the subset Step Functions workflows use): literals, paths with JSONata's sequence
/// semantics, variables and <c>:=</c> bindings, arithmetic, comparison, <c>and</c>/<c>or</c>, <c>&amp;</c>, conditionals,
/// blocks, array and object constructors, filters and indexes, lambdas, regexes, and the function library in
/// <see cref="JsonataFunctions"/> (including AWS's <c>$partition</c>, <c>$range</c>, <c>$hash</c>, <c>$random</c>,
/// <c>$uuid</c>, <c>$parse</c>). Parsed once at definition time.
/// </summary>
internal sealed class JsonataExpression
{
    private readonly JNode _root;

    private JsonataExpression(string text, JNode root)
    {
        Text = text;
        _root = root;
    }

    public string Text { get; }

    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out JsonataExpression? expression, out string? error)
    {
        try
        {
            var parser = new JParser(text);
            var root = parser.ParseExpression(0);
            parser.ExpectEnd();
            expression = new JsonataExpression(text, root);
            error = null;
            return true;
        }
        catch (JsonataException e)
        {
            expression = null;
            error = $"{e.Code}: {e.Message}";
            return false;
        }
    }

    /// <summary>Evaluates to a JSON value, a function, or null for "undefined".</summary>
    public object? Evaluate(AslValue? input, JEnv env) => JEval.Collapse(JEval.Eval(_root, input, env));
}

/// <summary>Variable scope for JSONata evaluation; the outermost scope resolves workflow variables and <c>$states</c>.</summary>
internal sealed class JEnv
{
    private readonly JEnv? _parent;
    private Dictionary<string, object?>? _vars;
    private readonly Func<string, (bool Found, object? Value)>? _resolver;

    public JEnv(Func<string, (bool Found, object? Value)> resolver, DeterministicRandom random)
    {
        _resolver = resolver;
        Random = random;
    }

    private JEnv(JEnv parent)
    {
        _parent = parent;
        Random = parent.Random;
    }

    public DeterministicRandom Random { get; }

    public JEnv Child() => new(this);

    public void Bind(string name, object? value) => (_vars ??= new Dictionary<string, object?>(StringComparer.Ordinal))[name] = value;

    public object? Lookup(string name)
    {
        for (var e = this; e is not null; e = e._parent)
        {
            if (e._vars is not null && e._vars.TryGetValue(name, out var v)) return v;
            if (e._resolver is not null)
            {
                var (found, value) = e._resolver(name);
                if (found) return value;
            }
        }
        if (JsonataFunctions.TryGet(name, out var fn)) return fn;
        return null;
    }
}

/// <summary>A JSONata sequence (results of a path step): collapses to its item when it holds one, to undefined when empty.</summary>
internal sealed class JSequence(List<AslValue> items)
{
    public List<AslValue> Items { get; } = items;
}

/// <summary>A callable JSONata value.</summary>
internal abstract class JFunction
{
    public abstract object? Invoke(IReadOnlyList<object?> args, AslValue? input, JEnv env);
}

internal sealed class JLambda(string[] parameters, JNode body, JEnv closure) : JFunction
{
    public override object? Invoke(IReadOnlyList<object?> args, AslValue? input, JEnv env)
    {
        var scope = closure.Child();
        for (var i = 0; i < parameters.Length; i++) scope.Bind(parameters[i], i < args.Count ? args[i] : null);
        return JEval.Eval(body, input, scope);
    }
}

internal sealed class JRegex(Regex regex)
{
    public Regex Regex { get; } = regex;
}

// ------------------------------------------------------------------ syntax tree

internal abstract record JNode;
internal sealed record JLiteral(AslValue Value) : JNode;
internal sealed record JRegexLiteral(Regex Regex) : JNode;
internal sealed record JName(string Name) : JNode;
internal sealed record JVariable(string Name) : JNode;
internal sealed record JPath(JNode[] Steps) : JNode;
internal sealed record JBinary(string Op, JNode Left, JNode Right) : JNode;
internal sealed record JNegate(JNode Operand) : JNode;
internal sealed record JCondition(JNode Test, JNode Then, JNode? Else) : JNode;
internal sealed record JBind(string Name, JNode Value) : JNode;
internal sealed record JBlock(JNode[] Expressions) : JNode;
internal sealed record JArrayCtor(JNode[] Items) : JNode;
internal sealed record JObjectCtor((JNode Key, JNode Value)[] Pairs) : JNode;
internal sealed record JCall(JNode Function, JNode[] Args) : JNode;
internal sealed record JLambdaNode(string[] Parameters, JNode Body) : JNode;
internal sealed record JFilter(JNode Source, JNode Predicate) : JNode;
internal sealed record JWildcard : JNode;

// ------------------------------------------------------------------ parser

internal sealed class JParser
{
    private readonly string _t;
    private int _p;

    public JParser(string text) => _t = text;

    private static readonly Dictionary<string, int> Infix = new(StringComparer.Ordinal)
    {
        [":="] = 10, ["?"] = 20, ["or"] = 25, ["and"] = 30,
        ["="] = 40, ["!="] = 40, ["<"] = 40, ["<="] = 40, [">"] = 40, [">="] = 40, ["in"] = 40,
        ["&"] = 50, ["+"] = 50, ["-"] = 50,
        ["*"] = 60, ["/"] = 60, ["%"] = 60,
        ["."] = 75, ["["] = 80, ["("] = 80,
    };

    public void ExpectEnd()
    {
        SkipWs();
        if (_p < _t.Length) throw new JsonataException("S0201", $"Syntax error: unexpected '{_t[_p]}' at position {_p}");
    }

    public JNode ParseExpression(int rbp)
    {
        var left = ParsePrefix();
        while (true)
        {
            var op = PeekOperator();
            if (op is null || Infix[op] <= rbp) return left;
            _p += op.Length;
            left = ParseInfix(op, left);
        }
    }

    private string? PeekOperator()
    {
        SkipWs();
        if (_p >= _t.Length) return null;
        foreach (var op in new[] { ":=", "!=", "<=", ">=" })
            if (string.CompareOrdinal(_t, _p, op, 0, 2) == 0) return op;
        var c = _t[_p];
        if (c is '?' or '=' or '<' or '>' or '&' or '+' or '-' or '*' or '/' or '%' or '.' or '[' or '(') return c.ToString();
        foreach (var word in new[] { "and", "or", "in" })
            if (string.CompareOrdinal(_t, _p, word, 0, word.Length) == 0 && (_p + word.Length >= _t.Length || !IsNameChar(_t[_p + word.Length])))
                return word;
        return null;
    }

    private JNode ParseInfix(string op, JNode left)
    {
        switch (op)
        {
            case ".":
                {
                    var right = ParseExpression(Infix["."]);
                    var steps = new List<JNode>();
                    if (left is JPath lp) steps.AddRange(lp.Steps); else steps.Add(left);
                    if (right is JPath rp) steps.AddRange(rp.Steps); else steps.Add(right);
                    return new JPath(steps.ToArray());
                }
            case "[":
                {
                    SkipWs();
                    if (Peek(']'))
                    {
                        _p++;
                        return left; // "[]" keeps arrays as arrays; values are unchanged here
                    }
                    var predicate = ParseExpression(0);
                    Expect(']');
                    return new JFilter(left, predicate);
                }
            case "(":
                {
                    var args = new List<JNode>();
                    SkipWs();
                    if (!Peek(')'))
                    {
                        do args.Add(ParseExpression(0));
                        while (TryConsume(','));
                    }
                    Expect(')');
                    return new JCall(left, args.ToArray());
                }
            case "?":
                {
                    var then = ParseExpression(0);
                    JNode? otherwise = null;
                    if (TryConsume(':')) otherwise = ParseExpression(0);
                    return new JCondition(left, then, otherwise);
                }
            case ":=":
                {
                    if (left is not JVariable v) throw new JsonataException("S0212", "The left side of := must be a variable name (start with $)");
                    return new JBind(v.Name, ParseExpression(Infix[":="] - 1));
                }
            default:
                return new JBinary(op, left, ParseExpression(Infix[op]));
        }
    }

    private JNode ParsePrefix()
    {
        SkipWs();
        if (_p >= _t.Length) throw new JsonataException("S0203", "Syntax error: unexpected end of expression");
        var c = _t[_p];
        if (c == '-')
        {
            _p++;
            return new JNegate(ParseExpression(70));
        }
        if (c == '(')
        {
            _p++;
            var items = new List<JNode>();
            SkipWs();
            if (!Peek(')'))
            {
                do
                {
                    SkipWs();
                    if (Peek(')')) break;
                    items.Add(ParseExpression(0));
                }
                while (TryConsume(';'));
            }
            Expect(')');
            return new JBlock(items.ToArray());
        }
        if (c == '[')
        {
            _p++;
            var items = new List<JNode>();
            SkipWs();
            if (!Peek(']'))
            {
                do items.Add(ParseExpression(0));
                while (TryConsume(','));
            }
            Expect(']');
            return new JArrayCtor(items.ToArray());
        }
        if (c == '{')
        {
            _p++;
            var pairs = new List<(JNode, JNode)>();
            SkipWs();
            if (!Peek('}'))
            {
                do
                {
                    var key = ParseExpression(0);
                    Expect(':');
                    pairs.Add((key, ParseExpression(0)));
                }
                while (TryConsume(','));
            }
            Expect('}');
            return new JObjectCtor(pairs.ToArray());
        }
        if (c is '"' or '\'') return new JLiteral(new AslString(ReadString()));
        if (c == '/') return new JRegexLiteral(ReadRegex());
        if (char.IsAsciiDigit(c)) return new JLiteral(ReadNumber());
        if (c == '*')
        {
            _p++;
            return new JWildcard();
        }
        if (c == '$')
        {
            _p++;
            if (Peek('$'))
            {
                _p++;
                return new JVariable("$");
            }
            var start = _p;
            while (_p < _t.Length && IsNameChar(_t[_p])) _p++;
            return new JVariable(_t[start.._p]);
        }
        if (c == '`')
        {
            var end = _t.IndexOf('`', _p + 1);
            if (end < 0) throw new JsonataException("S0105", "Quoted property name must be terminated with a backquote");
            var quoted = _t[(_p + 1)..end];
            _p = end + 1;
            return new JName(quoted);
        }
        if (IsNameChar(c))
        {
            var start = _p;
            while (_p < _t.Length && IsNameChar(_t[_p])) _p++;
            var word = _t[start.._p];
            switch (word)
            {
                case "true": return new JLiteral(AslValue.True);
                case "false": return new JLiteral(AslValue.False);
                case "null": return new JLiteral(AslValue.Null);
                case "function":
                case "λ":
                    return ParseLambda();
            }
            return new JName(word);
        }
        if (c == 'λ')
        {
            _p++;
            return ParseLambda();
        }
        throw new JsonataException("S0211", $"Syntax error: unexpected '{c}' at position {_p}");
    }

    private JNode ParseLambda()
    {
        Expect('(');
        var parameters = new List<string>();
        SkipWs();
        if (!Peek(')'))
        {
            do
            {
                SkipWs();
                if (!Peek('$')) throw new JsonataException("S0208", "Function parameters must be variables");
                _p++;
                var start = _p;
                while (_p < _t.Length && IsNameChar(_t[_p])) _p++;
                parameters.Add(_t[start.._p]);
            }
            while (TryConsume(','));
        }
        Expect(')');
        Expect('{');
        var body = ParseExpression(0);
        Expect('}');
        return new JLambdaNode(parameters.ToArray(), body);
    }

    private string ReadString()
    {
        var quote = _t[_p++];
        var sb = new StringBuilder();
        while (_p < _t.Length)
        {
            var c = _t[_p++];
            if (c == quote) return sb.ToString();
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (_p >= _t.Length) break;
            var e = _t[_p++];
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\'': sb.Append('\''); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    if (_p + 4 > _t.Length || !int.TryParse(_t.AsSpan(_p, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                        throw new JsonataException("S0104", "The escape sequence \\u must be followed by 4 hex digits");
                    sb.Append((char)code);
                    _p += 4;
                    break;
                default: throw new JsonataException("S0103", $"Unsupported escape sequence: \\{e}");
            }
        }
        throw new JsonataException("S0101", "String literal must be terminated by a matching quote");
    }

    private Regex ReadRegex()
    {
        var start = ++_p;
        while (_p < _t.Length && _t[_p] != '/')
        {
            if (_t[_p] == '\\') _p++;
            _p++;
        }
        if (_p >= _t.Length) throw new JsonataException("S0302", "No terminating / in regular expression");
        var pattern = _t[start.._p];
        _p++;
        var options = RegexOptions.CultureInvariant;
        while (_p < _t.Length && _t[_p] is 'i' or 'm')
        {
            options |= _t[_p] == 'i' ? RegexOptions.IgnoreCase : RegexOptions.Multiline;
            _p++;
        }
        return new Regex(pattern, options, TimeSpan.FromSeconds(1));
    }

    private AslValue ReadNumber()
    {
        var start = _p;
        while (_p < _t.Length && char.IsAsciiDigit(_t[_p])) _p++;
        if (_p + 1 < _t.Length && _t[_p] == '.' && char.IsAsciiDigit(_t[_p + 1]))
        {
            _p++;
            while (_p < _t.Length && char.IsAsciiDigit(_t[_p])) _p++;
        }
        if (_p < _t.Length && _t[_p] is 'e' or 'E')
        {
            _p++;
            if (_p < _t.Length && _t[_p] is '+' or '-') _p++;
            while (_p < _t.Length && char.IsAsciiDigit(_t[_p])) _p++;
        }
        return AslNumber.FromDouble(double.Parse(_t.AsSpan(start, _p - start), NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c is '_';

    private void SkipWs()
    {
        while (_p < _t.Length)
        {
            if (char.IsWhiteSpace(_t[_p])) _p++;
            else if (_t[_p] == '/' && _p + 1 < _t.Length && _t[_p + 1] == '*')
            {
                var end = _t.IndexOf("*/", _p + 2, StringComparison.Ordinal);
                _p = end < 0 ? _t.Length : end + 2;
            }
            else break;
        }
    }

    private bool Peek(char c)
    {
        SkipWs();
        return _p < _t.Length && _t[_p] == c;
    }

    private bool TryConsume(char c)
    {
        if (!Peek(c)) return false;
        _p++;
        return true;
    }

    private void Expect(char c)
    {
        if (!TryConsume(c)) throw new JsonataException("S0202", $"Syntax error: expected '{c}' at position {_p}");
    }
}

// ------------------------------------------------------------------ evaluation

internal static class JEval
{
    public static object? Collapse(object? v) => v is JSequence s
        ? s.Items.Count switch { 0 => null, 1 => s.Items[0], _ => new AslArray(s.Items.ToArray()) }
        : v;

    public static object? Eval(JNode node, AslValue? input, JEnv env)
    {
        switch (node)
        {
            case JLiteral l: return l.Value;
            case JRegexLiteral r: return new JRegex(r.Regex);
            case JVariable v: return v.Name.Length == 0 ? input : env.Lookup(v.Name);
            case JName n: return Field(input, n.Name);
            case JWildcard: return Wildcard(input);
            case JPath p: return EvalPath(p, input, env);
            case JNegate neg:
                {
                    var v = Collapse(Eval(neg.Operand, input, env));
                    if (v is null) return null;
                    return v is AslNumber num ? AslNumber.FromDouble(-num.Double) : throw new JsonataException("D1002", "Cannot negate a non-numeric value");
                }
            case JBinary b: return EvalBinary(b, input, env);
            case JCondition c:
                return Truthy(Collapse(Eval(c.Test, input, env))) ? Eval(c.Then, input, env) : c.Else is null ? null : Eval(c.Else, input, env);
            case JBind bind:
                {
                    var value = Collapse(Eval(bind.Value, input, env));
                    env.Bind(bind.Name, value);
                    return value;
                }
            case JBlock block:
                {
                    var scope = env.Child();
                    object? last = null;
                    foreach (var e in block.Expressions) last = Eval(e, input, scope);
                    return last;
                }
            case JArrayCtor a:
                {
                    var items = new List<AslValue>();
                    foreach (var item in a.Items)
                    {
                        var v = Eval(item, input, env);
                        if (v is JSequence s) items.AddRange(s.Items);
                        else if (v is AslValue value) items.Add(value);
                        else if (v is not null) throw new JsonataException("T1005", "Functions cannot be array members");
                    }
                    return new AslArray(items.ToArray());
                }
            case JObjectCtor o:
                {
                    var b = new AslObjectBuilder(o.Pairs.Length);
                    foreach (var (keyNode, valueNode) in o.Pairs)
                    {
                        if (Collapse(Eval(keyNode, input, env)) is not AslString key) throw new JsonataException("T1003", "Key in object structure must evaluate to a string");
                        var value = Collapse(Eval(valueNode, input, env));
                        if (value is AslValue av) b.Set(key.Value, av);
                    }
                    return b.Build();
                }
            case JLambdaNode lambda: return new JLambda(lambda.Parameters, lambda.Body, env);
            case JCall call:
                {
                    var fn = Collapse(Eval(call.Function, input, env));
                    if (fn is not JFunction f) throw new JsonataException("T1006", "Attempted to invoke a non-function");
                    var args = new object?[call.Args.Length];
                    for (var i = 0; i < args.Length; i++) args[i] = Collapse(Eval(call.Args[i], input, env));
                    return f.Invoke(args, input, env);
                }
            case JFilter f: return EvalFilter(f, input, env);
            default: throw new JsonataException("S0500", "Unsupported expression");
        }
    }

    private static object? Field(AslValue? input, string name)
    {
        switch (input)
        {
            case AslObject obj: return obj.TryGetValue(name, out var v) ? v : null;
            case AslArray array:
                {
                    var results = new List<AslValue>();
                    foreach (var item in array.Items)
                    {
                        var r = Field(item, name);
                        if (r is AslArray inner) results.AddRange(inner.Items.ToArray());
                        else if (r is JSequence s) results.AddRange(s.Items);
                        else if (r is AslValue value) results.Add(value);
                    }
                    return new JSequence(results);
                }
            default: return null;
        }
    }

    private static object? Wildcard(AslValue? input)
    {
        if (input is AslObject obj)
        {
            var results = new List<AslValue>();
            foreach (var v in obj.Values)
            {
                if (v is AslArray a) results.AddRange(a.Items.ToArray());
                else results.Add(v);
            }
            return new JSequence(results);
        }
        return input is AslArray array ? new JSequence(array.Items.ToArray().ToList()) : null;
    }

    private static object? EvalPath(JPath path, AslValue? input, JEnv env)
    {
        var current = Eval(path.Steps[0], input, env);
        for (var i = 1; i < path.Steps.Length; i++)
        {
            if (current is null) return null;
            IEnumerable<AslValue> items = current switch
            {
                JSequence s => s.Items,
                AslArray a when path.Steps[i - 1] is not JArrayCtor => a.Items.ToArray(),
                AslValue v => [v],
                _ => throw new JsonataException("T1010", "Cannot navigate into a function"),
            };
            var results = new List<object>();
            foreach (var item in items)
            {
                var r = Eval(path.Steps[i], item, env);
                if (r is not null) results.Add(r);
            }
            if (results.Count == 1 && results[0] is AslArray single)
            {
                current = single;
                continue;
            }
            var flat = new List<AslValue>();
            foreach (var r in results)
            {
                if (r is AslArray a) flat.AddRange(a.Items.ToArray());
                else if (r is JSequence s) flat.AddRange(s.Items);
                else if (r is AslValue v) flat.Add(v);
            }
            current = new JSequence(flat);
        }
        return current;
    }

    private static object? EvalFilter(JFilter f, AslValue? input, JEnv env)
    {
        var source = Eval(f.Source, input, env);
        var items = source switch
        {
            null => new List<AslValue>(),
            JSequence s => s.Items,
            AslArray a => a.Items.ToArray().ToList(),
            AslValue v => [v],
            _ => throw new JsonataException("T1010", "Cannot filter a function"),
        };
        var results = new List<AslValue>();
        for (var i = 0; i < items.Count; i++)
        {
            var p = Collapse(Eval(f.Predicate, items[i], env));
            if (p is AslNumber n)
            {
                var index = (int)Math.Floor(n.Double);
                if (index < 0) index += items.Count;
                if (index == i) results.Add(items[i]);
            }
            else if (Truthy(p))
            {
                results.Add(items[i]);
            }
        }
        return new JSequence(results);
    }

    private static object? EvalBinary(JBinary b, AslValue? input, JEnv env)
    {
        if (b.Op is "and")
            return AslValue.Bool(Truthy(Collapse(Eval(b.Left, input, env))) && Truthy(Collapse(Eval(b.Right, input, env))));
        if (b.Op is "or")
            return AslValue.Bool(Truthy(Collapse(Eval(b.Left, input, env))) || Truthy(Collapse(Eval(b.Right, input, env))));
        var left = Collapse(Eval(b.Left, input, env));
        var right = Collapse(Eval(b.Right, input, env));
        switch (b.Op)
        {
            case "=": return AslValue.Bool(left is AslValue l && right is AslValue r && l.Equals(r));
            case "!=": return AslValue.Bool(left is AslValue l2 && right is AslValue r2 && !l2.Equals(r2));
            case "&": return new AslString(JsonataFunctions.ToText(left) + JsonataFunctions.ToText(right));
            case "in":
                if (left is not AslValue needle || right is null) return AslValue.False;
                return AslValue.Bool(right is AslArray arr ? arr.Items.ToArray().Any(x => x.Equals(needle)) : right.Equals(needle));
            case "<":
            case "<=":
            case ">":
            case ">=":
                {
                    if (left is null || right is null) return null;
                    int cmp;
                    if (left is AslNumber x && right is AslNumber y) cmp = x.Double.CompareTo(y.Double);
                    else if (left is AslString s && right is AslString t) cmp = string.CompareOrdinal(s.Value, t.Value);
                    else throw new JsonataException("T2010", "The expressions either side of operator \"" + b.Op + "\" must evaluate to numeric or string values");
                    return AslValue.Bool(b.Op switch { "<" => cmp < 0, "<=" => cmp <= 0, ">" => cmp > 0, _ => cmp >= 0 });
                }
            default:
                {
                    if (left is null || right is null) return null;
                    if (left is not AslNumber x) throw new JsonataException("T2001", $"The left side of the \"{b.Op}\" operator must evaluate to a number");
                    if (right is not AslNumber y) throw new JsonataException("T2002", $"The right side of the \"{b.Op}\" operator must evaluate to a number");
                    var result = b.Op switch
                    {
                        "+" => x.Double + y.Double,
                        "-" => x.Double - y.Double,
                        "*" => x.Double * y.Double,
                        "/" => x.Double / y.Double,
                        _ => x.Double % y.Double,
                    };
                    if (double.IsInfinity(result) || double.IsNaN(result)) throw new JsonataException("D1001", "Number out of range");
                    return AslNumber.FromDouble(result);
                }
        }
    }

    /// <summary>JSONata's <c>$boolean</c> casting.</summary>
    public static bool Truthy(object? v) => v switch
    {
        null => false,
        AslBool b => b.Value,
        AslNumber n => n.Double != 0,
        AslString s => s.Value.Length > 0,
        AslArray a => a.Items.ToArray().Any(i => Truthy(i)),
        AslObject o => o.Count > 0,
        JFunction => false,
        _ => false,
    };
}

/// <summary>The JSONata function library available in Step Functions (standard functions used by workflows, plus AWS's additions).</summary>
internal static class JsonataFunctions
{
    private static readonly Dictionary<string, JFunction> Functions = new(StringComparer.Ordinal)
    {
        ["sum"] = new Builtin((a, _) => AslNumber.FromDouble(Numbers(Arg(a, 0), "$sum").Sum())),
        ["count"] = new Builtin((a, _) => AslNumber.FromLong(Arg(a, 0) switch { null => 0, AslArray arr => arr.Count, _ => 1 })),
        ["max"] = new Builtin((a, _) => Numbers(Arg(a, 0), "$max") is { Count: > 0 } n ? AslNumber.FromDouble(n.Max()) : null),
        ["min"] = new Builtin((a, _) => Numbers(Arg(a, 0), "$min") is { Count: > 0 } n ? AslNumber.FromDouble(n.Min()) : null),
        ["average"] = new Builtin((a, _) => Numbers(Arg(a, 0), "$average") is { Count: > 0 } n ? AslNumber.FromDouble(n.Average()) : null),
        ["string"] = new Builtin((a, _) => Arg(a, 0) is null ? null : new AslString(ToText(Arg(a, 0)))),
        ["number"] = new Builtin((a, _) => Arg(a, 0) switch
        {
            null => null,
            AslNumber n => n,
            AslString s when double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => AslNumber.FromDouble(d),
            AslBool b => AslNumber.FromLong(b.Value ? 1 : 0),
            _ => throw new JsonataException("D3030", "Unable to cast value to a number"),
        }),
        ["boolean"] = new Builtin((a, _) => Arg(a, 0) is null ? null : AslValue.Bool(JEval.Truthy(Arg(a, 0)))),
        ["not"] = new Builtin((a, _) => Arg(a, 0) is null ? null : AslValue.Bool(!JEval.Truthy(Arg(a, 0)))),
        ["exists"] = new Builtin((a, _) => AslValue.Bool(Arg(a, 0) is not null)),
        ["length"] = new Builtin((a, _) => Arg(a, 0) is AslString s ? AslNumber.FromLong(s.Value.Length) : Arg(a, 0) is null ? null : throw new JsonataException("T0410", "Argument 1 of function \"length\" must be a string")),
        ["uppercase"] = new Builtin((a, _) => Arg(a, 0) is AslString s ? new AslString(s.Value.ToUpperInvariant()) : null),
        ["lowercase"] = new Builtin((a, _) => Arg(a, 0) is AslString s ? new AslString(s.Value.ToLowerInvariant()) : null),
        ["trim"] = new Builtin((a, _) => Arg(a, 0) is AslString s ? new AslString(string.Join(' ', s.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))) : null),
        ["substring"] = new Builtin((a, _) =>
        {
            if (Arg(a, 0) is not AslString s) return null;
            var start = (int)((AslNumber)Arg(a, 1)!).Double;
            if (start < 0) start = Math.Max(0, s.Value.Length + start);
            start = Math.Min(start, s.Value.Length);
            var length = Arg(a, 2) is AslNumber n ? Math.Max(0, (int)n.Double) : s.Value.Length - start;
            return new AslString(s.Value.Substring(start, Math.Min(length, s.Value.Length - start)));
        }),
        ["contains"] = new Builtin((a, _) =>
        {
            if (Arg(a, 0) is not AslString s) return null;
            return Arg(a, 1) switch
            {
                AslString p => AslValue.Bool(s.Value.Contains(p.Value, StringComparison.Ordinal)),
                JRegex r => AslValue.Bool(r.Regex.IsMatch(s.Value)),
                _ => throw new JsonataException("T0410", "Argument 2 of function \"contains\" must be a string or a regex"),
            };
        }),
        ["split"] = new Builtin((a, _) =>
        {
            if (Arg(a, 0) is not AslString s) return null;
            var parts = Arg(a, 1) switch
            {
                AslString sep => s.Value.Split(sep.Value),
                JRegex r => r.Regex.Split(s.Value),
                _ => throw new JsonataException("T0410", "Argument 2 of function \"split\" must be a string or a regex"),
            };
            return new AslArray(parts.Select(p => (AslValue)new AslString(p)).ToArray());
        }),
        ["join"] = new Builtin((a, _) =>
        {
            var items = Arg(a, 0) switch { null => null, AslArray arr => arr.Items.ToArray(), AslValue v => [v], _ => null };
            if (items is null) return null;
            var sep = Arg(a, 1) is AslString s ? s.Value : "";
            return new AslString(string.Join(sep, items.Select(i => i is AslString str ? str.Value : throw new JsonataException("T0412", "Argument 1 of function \"join\" must be an array of strings"))));
        }),
        ["keys"] = new Builtin((a, _) => Arg(a, 0) is AslObject o ? new JSequence(o.Keys.ToArray().Select(k => (AslValue)new AslString(k)).ToList()) : null),
        ["lookup"] = new Builtin((a, _) => Arg(a, 0) is AslObject o && Arg(a, 1) is AslString k && o.TryGetValue(k.Value, out var v) ? v : null),
        ["append"] = new Builtin((a, _) =>
        {
            var left = Arg(a, 0);
            var right = Arg(a, 1);
            if (left is null) return right;
            if (right is null) return left;
            var items = new List<AslValue>();
            items.AddRange(left is AslArray la ? la.Items.ToArray() : [(AslValue)left]);
            items.AddRange(right is AslArray ra ? ra.Items.ToArray() : [(AslValue)right]);
            return new AslArray(items.ToArray());
        }),
        ["reverse"] = new Builtin((a, _) => Arg(a, 0) is AslArray arr ? new AslArray(arr.Items.ToArray().Reverse().ToArray()) : Arg(a, 0)),
        ["distinct"] = new Builtin((a, _) => Arg(a, 0) is AslArray arr ? new AslArray(arr.Items.ToArray().Distinct().ToArray()) : Arg(a, 0)),
        ["merge"] = new Builtin((a, _) =>
        {
            var arg = Arg(a, 0);
            if (arg is null) return null;
            var b = new AslObjectBuilder();
            foreach (var item in arg is AslArray arr ? arr.Items.ToArray() : [(AslValue)arg])
            {
                if (item is not AslObject o) throw new JsonataException("T0412", "Argument 1 of function \"merge\" must be an array of objects");
                foreach (var (k, v) in o.Properties) b.Set(k, v);
            }
            return b.Build();
        }),
        // Step Functions' additions (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html).
        ["partition"] = new Builtin((a, _) =>
        {
            if (Arg(a, 0) is not AslArray arr || Arg(a, 1) is not AslNumber size || size.Double < 1)
                throw new JsonataException("D3137", "$partition expects an array and a chunk size of at least 1");
            var n = (int)size.Double;
            var chunks = new List<AslValue>();
            for (var i = 0; i < arr.Count; i += n) chunks.Add(new AslArray(arr.Items.Slice(i, Math.Min(n, arr.Count - i)).ToArray()));
            return new AslArray(chunks.ToArray());
        }),
        ["range"] = new Builtin((a, _) =>
        {
            if (Arg(a, 0) is not AslNumber start || Arg(a, 1) is not AslNumber end || Arg(a, 2) is not AslNumber step || step.Double == 0)
                throw new JsonataException("D3137", "$range expects numbers start, end and a non-zero step");
            var items = new List<AslValue>();
            for (var v = start.Double; step.Double > 0 ? v <= end.Double : v >= end.Double; v += step.Double)
            {
                if (items.Count >= 1000) throw new JsonataException("D3137", "$range cannot produce more than 1000 items");
                items.Add(AslNumber.FromDouble(v));
            }
            return new JSequence(items);
        }),
        ["parse"] = new Builtin((a, _) => Arg(a, 0) is AslString s ? AslValue.Parse(s.Value) : throw new JsonataException("D3137", "$parse expects a JSON string")),
        ["hash"] = new Builtin((a, _) =>
        {
            if (Arg(a, 0) is not AslString s || Arg(a, 1) is not AslString alg) throw new JsonataException("D3137", "$hash expects a string and an algorithm");
            var bytes = Encoding.UTF8.GetBytes(s.Value);
            byte[] hash = alg.Value switch
            {
                "MD5" => System.Security.Cryptography.MD5.HashData(bytes),
                "SHA-1" => System.Security.Cryptography.SHA1.HashData(bytes),
                "SHA-256" => System.Security.Cryptography.SHA256.HashData(bytes),
                "SHA-384" => System.Security.Cryptography.SHA384.HashData(bytes),
                "SHA-512" => System.Security.Cryptography.SHA512.HashData(bytes),
                _ => throw new JsonataException("D3137", $"Unsupported hash algorithm '{alg.Value}'"),
            };
            return new AslString(Convert.ToHexStringLower(hash));
        }),
        ["random"] = new Builtin((a, env) => AslNumber.FromDouble(Arg(a, 0) is AslNumber seed
            ? new DeterministicRandom(DeterministicRandom.Mix((ulong)(long)seed.Double, 0x5eed)).NextDouble()
            : env.Random.NextDouble())),
        ["uuid"] = new Builtin((_, env) => new AslString(env.Random.NextUuid())),
    };

    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out JFunction? fn) => Functions.TryGetValue(name, out fn);

    private static object? Arg(IReadOnlyList<object?> args, int i) => i < args.Count ? args[i] : null;

    private static List<double> Numbers(object? v, string fn) => v switch
    {
        null => [],
        AslNumber n => [n.Double],
        AslArray a => a.Items.ToArray().Select(i => i is AslNumber n ? n.Double : throw new JsonataException("T0412", $"Argument 1 of function \"{fn}\" must be an array of numbers")).ToList(),
        _ => throw new JsonataException("T0410", $"Argument 1 of function \"{fn}\" must be an array of numbers"),
    };

    /// <summary>JSONata's <c>$string</c>: strings as they are, everything else as compact JSON.</summary>
    public static string ToText(object? v) => v switch
    {
        null => "",
        AslString s => s.Value,
        AslValue value => value.ToJsonString(),
        _ => "",
    };

    private sealed class Builtin(Func<IReadOnlyList<object?>, JEnv, object?> body) : JFunction
    {
        public override object? Invoke(IReadOnlyList<object?> args, AslValue? input, JEnv env) => body(args, env);
    }
}
