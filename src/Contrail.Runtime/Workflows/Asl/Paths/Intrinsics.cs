using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Contrail.Workflows.Asl;

/// <summary>The 18 intrinsic functions of JSONPath mode.</summary>
internal enum IntrinsicFunction : byte
{
    Format,
    StringToJson,
    JsonToString,
    Array,
    ArrayPartition,
    ArrayContains,
    ArrayRange,
    ArrayGetItem,
    ArrayLength,
    ArrayUnique,
    Base64Encode,
    Base64Decode,
    Hash,
    JsonMerge,
    MathRandom,
    MathAdd,
    StringSplit,
    UUID,
}

/// <summary>One argument of an intrinsic call: a literal, a path, or a nested call.</summary>
internal abstract class IntrinsicArg
{
    public abstract AslValue Evaluate(EvalContext ctx);
}

internal sealed class LiteralArg(AslValue value, string? escapedText = null) : IntrinsicArg
{
    public AslValue Value { get; } = value;

    /// <summary>For string literals: the text with its escapes kept, so States.Format can tell <c>\{</c> from a placeholder.</summary>
    public string? EscapedText { get; } = escapedText;

    public override AslValue Evaluate(EvalContext ctx) => Value;
}

internal sealed class PathArg(JsonPathExpression path) : IntrinsicArg
{
    public JsonPathExpression Path { get; } = path;
    public override AslValue Evaluate(EvalContext ctx) => ctx.ResolvePathOrThrowIntrinsic(Path);
}

/// <summary>
/// A parsed intrinsic function call such as <c>States.Format('{} x', $.a)</c>. Parsed and arity-checked once
/// when the definition is parsed; evaluated with already-compiled argument paths.
/// </summary>
internal sealed class IntrinsicCall : IntrinsicArg
{
    private static readonly Dictionary<string, (IntrinsicFunction Fn, int Min, int Max)> Functions = new(StringComparer.Ordinal)
    {
        ["States.Format"] = (IntrinsicFunction.Format, 1, int.MaxValue),
        ["States.StringToJson"] = (IntrinsicFunction.StringToJson, 1, 1),
        ["States.JsonToString"] = (IntrinsicFunction.JsonToString, 1, 1),
        ["States.Array"] = (IntrinsicFunction.Array, 0, int.MaxValue),
        ["States.ArrayPartition"] = (IntrinsicFunction.ArrayPartition, 2, 2),
        ["States.ArrayContains"] = (IntrinsicFunction.ArrayContains, 2, 2),
        ["States.ArrayRange"] = (IntrinsicFunction.ArrayRange, 3, 3),
        ["States.ArrayGetItem"] = (IntrinsicFunction.ArrayGetItem, 2, 2),
        ["States.ArrayLength"] = (IntrinsicFunction.ArrayLength, 1, 1),
        ["States.ArrayUnique"] = (IntrinsicFunction.ArrayUnique, 1, 1),
        ["States.Base64Encode"] = (IntrinsicFunction.Base64Encode, 1, 1),
        ["States.Base64Decode"] = (IntrinsicFunction.Base64Decode, 1, 1),
        ["States.Hash"] = (IntrinsicFunction.Hash, 2, 2),
        ["States.JsonMerge"] = (IntrinsicFunction.JsonMerge, 3, 3),
        ["States.MathRandom"] = (IntrinsicFunction.MathRandom, 2, 3),
        ["States.MathAdd"] = (IntrinsicFunction.MathAdd, 2, 2),
        ["States.StringSplit"] = (IntrinsicFunction.StringSplit, 2, 2),
        ["States.UUID"] = (IntrinsicFunction.UUID, 0, 0),
    };

    private readonly IntrinsicArg[] _args;

    private IntrinsicCall(string name, IntrinsicFunction function, IntrinsicArg[] args)
    {
        Name = name;
        Function = function;
        _args = args;
    }

    public string Name { get; }
    public IntrinsicFunction Function { get; }
    public string Text { get; private set; } = "";

    /// <summary>True when the text looks like an attempt at an intrinsic call (starts with <c>States.</c>).</summary>
    public static bool LooksLikeCall(string text) => text.StartsWith("States.", StringComparison.Ordinal);

    public static bool TryParse(string text, bool allowVariables, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IntrinsicCall? call, out string? error)
    {
        call = null;
        error = null;
        try
        {
            var parser = new Parser(text, allowVariables);
            call = parser.ParseCall();
            parser.SkipSpaces();
            if (!parser.AtEnd) throw new FormatException("unexpected text after the closing ')'");
            call.Text = text;
            return true;
        }
        catch (FormatException e)
        {
            error = $"'{text}' is not a valid intrinsic function call: {e.Message}";
            return false;
        }
    }

    public override AslValue Evaluate(EvalContext ctx)
    {
        var args = new AslValue[_args.Length];
        for (var i = 0; i < args.Length; i++) args[i] = _args[i].Evaluate(ctx);
        try
        {
            return Invoke(args, ctx);
        }
        catch (AslRuntimeException)
        {
            throw;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or System.Text.Json.JsonException or InvalidOperationException)
        {
            throw Fail($"{e.Message}");
        }
    }

    private AslRuntimeException Fail(string message) =>
        new(AslErrorNames.IntrinsicFailure, $"Invalid arguments in {Name}: {message}");

    private AslValue Invoke(AslValue[] a, EvalContext ctx)
    {
        switch (Function)
        {
            case IntrinsicFunction.Format:
                {
                    var template = a[0] as AslString ?? throw Fail("the format template must be a string");
                    var escapedText = (_args[0] as LiteralArg)?.EscapedText;
                    return new AslString(Format(escapedText ?? template.Value, escapedText is not null, a.AsSpan(1)));
                }
            case IntrinsicFunction.StringToJson:
                {
                    var s = a[0] as AslString ?? throw Fail("the argument must be a string");
                    if (string.IsNullOrWhiteSpace(s.Value)) return AslValue.Null;
                    return AslValue.Parse(s.Value);
                }
            case IntrinsicFunction.JsonToString:
                return new AslString(a[0].ToJsonString());
            case IntrinsicFunction.Array:
                return a.Length == 0 ? AslArray.Empty : new AslArray(a);
            case IntrinsicFunction.ArrayPartition:
                {
                    var array = Arr(a[0]);
                    var size = Int(a[1]);
                    if (size <= 0) throw Fail("the chunk size must be greater than 0");
                    var chunks = new List<AslValue>();
                    for (var i = 0; i < array.Count; i += size)
                    {
                        var n = Math.Min(size, array.Count - i);
                        chunks.Add(new AslArray(array.Items.Slice(i, n).ToArray()));
                    }
                    return new AslArray(chunks.ToArray());
                }
            case IntrinsicFunction.ArrayContains:
                {
                    var array = Arr(a[0]);
                    foreach (var item in array.Items)
                        if (item.Equals(a[1])) return AslValue.True;
                    return AslValue.False;
                }
            case IntrinsicFunction.ArrayRange:
                {
                    var start = Int(a[0]);
                    var end = Int(a[1]);
                    var step = Int(a[2]);
                    if (step == 0) throw Fail("the step must not be 0");
                    var items = new List<AslValue>();
                    for (long v = start; step > 0 ? v <= end : v >= end; v += step)
                    {
                        if (items.Count >= 1000) throw Fail("the range must not produce more than 1000 items");
                        items.Add(AslNumber.FromLong(v));
                    }
                    return new AslArray(items.ToArray());
                }
            case IntrinsicFunction.ArrayGetItem:
                {
                    var array = Arr(a[0]);
                    var index = Int(a[1]);
                    if (index < 0 || index >= array.Count) throw Fail($"index {index} is out of bounds for an array of length {array.Count}");
                    return array[index];
                }
            case IntrinsicFunction.ArrayLength:
                return AslNumber.FromLong(Arr(a[0]).Count);
            case IntrinsicFunction.ArrayUnique:
                {
                    var array = Arr(a[0]);
                    var seen = new HashSet<AslValue>();
                    var items = new List<AslValue>();
                    foreach (var item in array.Items)
                        if (seen.Add(item)) items.Add(item);
                    return new AslArray(items.ToArray());
                }
            case IntrinsicFunction.Base64Encode:
                {
                    var s = Str(a[0]);
                    if (s.Length > 10000) throw Fail("the input must not be longer than 10000 characters");
                    return new AslString(Convert.ToBase64String(Encoding.UTF8.GetBytes(s)));
                }
            case IntrinsicFunction.Base64Decode:
                {
                    var s = Str(a[0]);
                    if (s.Length > 10000) throw Fail("the input must not be longer than 10000 characters");
                    return new AslString(Encoding.UTF8.GetString(Convert.FromBase64String(s)));
                }
            case IntrinsicFunction.Hash:
                {
                    var data = a[0] is AslString ds ? ds.Value : a[0].ToJsonString();
                    var algorithm = Str(a[1]);
                    var bytes = Encoding.UTF8.GetBytes(data);
                    byte[] hash = algorithm switch
                    {
                        "MD5" => MD5.HashData(bytes),
                        "SHA-1" => SHA1.HashData(bytes),
                        "SHA-256" => SHA256.HashData(bytes),
                        "SHA-384" => SHA384.HashData(bytes),
                        "SHA-512" => SHA512.HashData(bytes),
                        _ => throw Fail($"the hash algorithm '{algorithm}' is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"),
                    };
                    return new AslString(Convert.ToHexStringLower(hash));
                }
            case IntrinsicFunction.JsonMerge:
                {
                    var left = a[0] as AslObject ?? throw Fail("the first argument must be a JSON object");
                    var right = a[1] as AslObject ?? throw Fail("the second argument must be a JSON object");
                    if (a[2] is not AslBool deep) throw Fail("the third argument must be a boolean");
                    if (deep.Value) throw Fail("deep merge (true) is not supported; use false for a shallow merge");
                    return left.Merge(right);
                }
            case IntrinsicFunction.MathRandom:
                {
                    var start = RoundHalfUp(Num(a[0]));
                    var end = RoundHalfUp(Num(a[1]));
                    if (end <= start) throw Fail("the end must be greater than the start");
                    var random = a.Length == 3
                        ? new DeterministicRandom(DeterministicRandom.Mix((ulong)RoundHalfUp(Num(a[2])), 0x5eed))
                        : ctx.Random;
                    return AslNumber.FromLong(start + (long)(random.NextDouble() * (end - start)));
                }
            case IntrinsicFunction.MathAdd:
                return AslNumber.FromLong(checked(RoundHalfUp(Num(a[0])) + RoundHalfUp(Num(a[1]))));
            case IntrinsicFunction.StringSplit:
                {
                    var s = Str(a[0]);
                    var delimiters = Str(a[1]);
                    var parts = new List<AslValue>();
                    var start = 0;
                    for (var i = 0; i <= s.Length; i++)
                    {
                        if (i == s.Length || delimiters.Contains(s[i]))
                        {
                            if (i > start) parts.Add(new AslString(s[start..i]));
                            start = i + 1;
                        }
                    }
                    return new AslArray(parts.ToArray());
                }
            case IntrinsicFunction.UUID:
                return new AslString(ctx.Random.NextUuid());
            default:
                throw new InvalidOperationException("unknown intrinsic function " + Function);
        }
    }

    private AslArray Arr(AslValue v) => v as AslArray ?? throw Fail($"expected an array, got {Describe(v)}");

    private string Str(AslValue v) => (v as AslString)?.Value ?? throw Fail($"expected a string, got {Describe(v)}");

    private double Num(AslValue v) => (v as AslNumber)?.Double ?? throw Fail($"expected a number, got {Describe(v)}");

    private int Int(AslValue v)
    {
        if (v is AslNumber n && n.IsIntegral && n.Double is >= int.MinValue and <= int.MaxValue) return (int)n.Double;
        throw Fail($"expected an integer, got {Describe(v)}");
    }

    private static string Describe(AslValue v) => v.Kind.ToString().ToLowerInvariant() + " " + Truncate(v.ToJsonString());

    private static string Truncate(string s) => s.Length > 100 ? s[..100] + "…" : s;

    /// <summary>Java's Math.round: half away from negative infinity (floor(x + 0.5)).</summary>
    internal static long RoundHalfUp(double d) => (long)Math.Floor(d + 0.5);

    private string Format(string template, bool escaped, ReadOnlySpan<AslValue> args)
    {
        var sb = new StringBuilder(template.Length + 16);
        var next = 0;
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (escaped && c == '\\' && i + 1 < template.Length && template[i + 1] is '{' or '}' or '\\' or '\'')
            {
                sb.Append(template[++i]);
                continue;
            }
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '}')
            {
                if (next >= args.Length) throw Fail("the template has more '{}' placeholders than arguments");
                AppendJavaString(sb, args[next++]);
                i++;
                continue;
            }
            sb.Append(c);
        }
        if (next != args.Length) throw Fail("the template has fewer '{}' placeholders than arguments");
        return sb.ToString();
    }

    /// <summary>How the Java runtime behind Step Functions prints values inside States.Format (Map/List toString).</summary>
    internal static void AppendJavaString(StringBuilder sb, AslValue value)
    {
        switch (value)
        {
            case AslString s: sb.Append(s.Value); break;
            case AslNumber n: sb.Append(n.Text); break;
            case AslArray array:
                sb.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    AppendJavaString(sb, array[i]);
                }
                sb.Append(']');
                break;
            case AslObject obj:
                sb.Append('{');
                for (var i = 0; i < obj.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    sb.Append(obj.Keys[i]).Append('=');
                    AppendJavaString(sb, obj.Values[i]);
                }
                sb.Append('}');
                break;
            default: sb.Append(value.ToJsonString()); break;
        }
    }

    private sealed class Parser
    {
        private readonly string _t;
        private readonly bool _allowVariables;
        private int _p;

        public Parser(string text, bool allowVariables)
        {
            _t = text;
            _allowVariables = allowVariables;
        }

        public bool AtEnd => _p >= _t.Length;

        public void SkipSpaces()
        {
            while (_p < _t.Length && char.IsWhiteSpace(_t[_p])) _p++;
        }

        public IntrinsicCall ParseCall()
        {
            var start = _p;
            while (_p < _t.Length && (char.IsLetterOrDigit(_t[_p]) || _t[_p] == '.')) _p++;
            var name = _t[start.._p];
            if (!Functions.TryGetValue(name, out var info)) throw new FormatException($"'{name}' is not a known intrinsic function");
            if (_p >= _t.Length || _t[_p] != '(') throw new FormatException($"expected '(' after {name}");
            _p++;
            var args = new List<IntrinsicArg>();
            SkipSpaces();
            if (_p < _t.Length && _t[_p] == ')')
            {
                _p++;
            }
            else
            {
                while (true)
                {
                    SkipSpaces();
                    args.Add(ParseArg());
                    SkipSpaces();
                    if (_p >= _t.Length) throw new FormatException("missing ')'");
                    if (_t[_p] == ',')
                    {
                        _p++;
                        continue;
                    }
                    if (_t[_p] == ')')
                    {
                        _p++;
                        break;
                    }
                    throw new FormatException($"unexpected '{_t[_p]}' in the argument list");
                }
            }
            if (args.Count < info.Min || args.Count > info.Max)
            {
                var expected = info.Min == info.Max ? info.Min.ToString(CultureInfo.InvariantCulture)
                    : info.Max == int.MaxValue ? $"at least {info.Min}" : $"{info.Min} to {info.Max}";
                throw new FormatException($"{name} takes {expected} argument(s), got {args.Count}");
            }
            return new IntrinsicCall(name, info.Fn, args.ToArray());
        }

        private IntrinsicArg ParseArg()
        {
            if (_p >= _t.Length) throw new FormatException("missing argument");
            var c = _t[_p];
            if (c == '\'')
            {
                var value = ReadString(out var escapedText);
                return new LiteralArg(new AslString(value), escapedText);
            }
            if (c == '$') return new PathArg(ReadPath());
            if (c == 'S' && string.CompareOrdinal(_t, _p, "States.", 0, 7) == 0) return ParseCall();
            if (c == '-' || char.IsAsciiDigit(c))
            {
                var start = _p;
                _p++;
                while (_p < _t.Length && (char.IsAsciiDigit(_t[_p]) || _t[_p] is '.' or 'e' or 'E' or '+' or '-')) _p++;
                var text = _t[start.._p];
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                    throw new FormatException($"'{text}' is not a number");
                return new LiteralArg(AslNumber.FromText(text));
            }
            foreach (var (word, value) in new[] { ("true", AslValue.True), ("false", AslValue.False), ("null", AslValue.Null) })
            {
                if (string.CompareOrdinal(_t, _p, word, 0, word.Length) == 0)
                {
                    _p += word.Length;
                    return new LiteralArg(value);
                }
            }
            throw new FormatException($"unexpected '{c}' where an argument was expected");
        }

        private string ReadString(out string escapedText)
        {
            var start = ++_p; // after the opening quote
            var sb = new StringBuilder();
            while (_p < _t.Length)
            {
                var c = _t[_p++];
                if (c == '\\')
                {
                    if (_p >= _t.Length) break;
                    var e = _t[_p++];
                    if (e is '\'' or '{' or '}' or '\\')
                    {
                        sb.Append(e);
                        continue;
                    }
                    throw new FormatException($"'\\{e}' is not a valid escape sequence (only \\', \\{{, \\}} and \\\\ are)");
                }
                if (c == '\'')
                {
                    escapedText = _t[start..(_p - 1)];
                    return sb.ToString();
                }
                sb.Append(c);
            }
            throw new FormatException("unterminated string literal");
        }

        private JsonPathExpression ReadPath()
        {
            var start = _p;
            var depth = 0;
            char? quote = null;
            while (_p < _t.Length)
            {
                var c = _t[_p];
                if (quote is not null)
                {
                    if (c == '\\') _p++;
                    else if (c == quote) quote = null;
                }
                else if (c is '"') quote = c;
                else if (c == '\'' && depth > 0) quote = c;
                else if (c is '[' or '(') depth++;
                else if (c is ']' or ')')
                {
                    if (depth == 0) break;
                    depth--;
                }
                else if (c == ',' && depth == 0) break;
                _p++;
            }
            var text = _t[start.._p].TrimEnd();
            if (!JsonPathExpression.TryParse(text, out var path, out var error)) throw new FormatException(error!);
            if (path.Root == PathRoot.Variable && !_allowVariables) throw new FormatException("variables are not allowed here");
            return path;
        }
    }
}
