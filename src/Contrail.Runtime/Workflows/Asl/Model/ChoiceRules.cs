namespace Contrail.Workflows.Asl;

/// <summary>The comparison operators of a Choice rule (each also exists as a <c>…Path</c> form).</summary>
internal enum ChoiceOperator : byte
{
    StringEquals,
    StringLessThan,
    StringGreaterThan,
    StringLessThanEquals,
    StringGreaterThanEquals,
    StringMatches,
    NumericEquals,
    NumericLessThan,
    NumericGreaterThan,
    NumericLessThanEquals,
    NumericGreaterThanEquals,
    BooleanEquals,
    TimestampEquals,
    TimestampLessThan,
    TimestampGreaterThan,
    TimestampLessThanEquals,
    TimestampGreaterThanEquals,
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

/// <summary>A compiled Choice condition: a tree of And/Or/Not over comparisons, evaluated without re-parsing.</summary>
internal abstract class ChoiceCondition
{
    public abstract bool Evaluate(EvalContext ctx);
}

internal sealed class AndCondition(ChoiceCondition[] operands) : ChoiceCondition
{
    public override bool Evaluate(EvalContext ctx)
    {
        foreach (var o in operands)
            if (!o.Evaluate(ctx)) return false;
        return true;
    }
}

internal sealed class OrCondition(ChoiceCondition[] operands) : ChoiceCondition
{
    public override bool Evaluate(EvalContext ctx)
    {
        foreach (var o in operands)
            if (o.Evaluate(ctx)) return true;
        return false;
    }
}

internal sealed class NotCondition(ChoiceCondition operand) : ChoiceCondition
{
    public override bool Evaluate(EvalContext ctx) => !operand.Evaluate(ctx);
}

/// <summary><c>{"Variable": …, "&lt;Operator&gt;[Path]": …}</c>. Literal operands are converted once (timestamps parsed, patterns compiled).</summary>
internal sealed class ComparisonCondition : ChoiceCondition
{
    private readonly JsonPathExpression _variable;
    private readonly ChoiceOperator _op;
    private readonly AslValue? _literal;
    private readonly JsonPathExpression? _operandPath;
    private readonly DateTimeOffset _timestamp;
    private readonly StringPattern? _pattern;

    public ComparisonCondition(JsonPathExpression variable, ChoiceOperator op, AslValue? literal, JsonPathExpression? operandPath)
    {
        _variable = variable;
        _op = op;
        _literal = literal;
        _operandPath = operandPath;
        if (literal is AslString s)
        {
            if (op is >= ChoiceOperator.TimestampEquals and <= ChoiceOperator.TimestampGreaterThanEquals)
                Rfc3339.TryParse(s.Value, out _timestamp);
            if (op == ChoiceOperator.StringMatches) _pattern = new StringPattern(s.Value);
        }
    }

    public override bool Evaluate(EvalContext ctx)
    {
        var value = ctx.TryResolve(_variable, out _);
        if (_op == ChoiceOperator.IsPresent)
            return (value is not null) == IsTrue(_literal);
        if (value is null)
            throw new AslRuntimeException(AslErrorNames.Runtime,
                $"Invalid path '{_variable.Text}': The choice state's condition path references an invalid value.");

        switch (_op)
        {
            case ChoiceOperator.IsNull: return value.IsNull == IsTrue(_literal);
            case ChoiceOperator.IsNumeric: return (value.Kind == AslValueKind.Number) == IsTrue(_literal);
            case ChoiceOperator.IsString: return (value.Kind == AslValueKind.String) == IsTrue(_literal);
            case ChoiceOperator.IsBoolean: return value.IsBoolean == IsTrue(_literal);
            case ChoiceOperator.IsTimestamp:
                return (value is AslString ts && Rfc3339.TryParse(ts.Value, out _)) == IsTrue(_literal);
        }

        AslValue operand;
        if (_operandPath is not null)
        {
            operand = ctx.TryResolve(_operandPath, out _)
                ?? throw new AslRuntimeException(AslErrorNames.Runtime,
                    $"Invalid path '{_operandPath.Text}': The choice state's condition path references an invalid value.");
        }
        else
        {
            operand = _literal!;
        }

        switch (_op)
        {
            case ChoiceOperator.StringEquals:
            case ChoiceOperator.StringLessThan:
            case ChoiceOperator.StringGreaterThan:
            case ChoiceOperator.StringLessThanEquals:
            case ChoiceOperator.StringGreaterThanEquals:
                {
                    if (value is not AslString a || operand is not AslString b) return false;
                    var cmp = string.CompareOrdinal(a.Value, b.Value);
                    return Holds(_op - ChoiceOperator.StringEquals, cmp);
                }
            case ChoiceOperator.StringMatches:
                {
                    if (value is not AslString a || operand is not AslString b) return false;
                    var pattern = _pattern ?? new StringPattern(b.Value);
                    return pattern.IsMatch(a.Value);
                }
            case ChoiceOperator.NumericEquals:
            case ChoiceOperator.NumericLessThan:
            case ChoiceOperator.NumericGreaterThan:
            case ChoiceOperator.NumericLessThanEquals:
            case ChoiceOperator.NumericGreaterThanEquals:
                {
                    if (value is not AslNumber a || operand is not AslNumber b) return false;
                    return Holds(_op - ChoiceOperator.NumericEquals, AslNumber.Compare(a, b));
                }
            case ChoiceOperator.BooleanEquals:
                return value.IsBoolean && operand.IsBoolean && value.Kind == operand.Kind;
            default:
                {
                    if (value is not AslString a || !Rfc3339.TryParse(a.Value, out var left)) return false;
                    DateTimeOffset right;
                    if (_operandPath is null) right = _timestamp;
                    else if (operand is not AslString b || !Rfc3339.TryParse(b.Value, out right)) return false;
                    return Holds(_op - ChoiceOperator.TimestampEquals, left.CompareTo(right));
                }
        }
    }

    private static bool IsTrue(AslValue? v) => v is AslBool { Value: true };

    /// <summary>Maps the operator offset within its family (Equals, LessThan, GreaterThan, LessThanEquals, GreaterThanEquals).</summary>
    private static bool Holds(int relation, int cmp) => relation switch
    {
        0 => cmp == 0,
        1 => cmp < 0,
        2 => cmp > 0,
        3 => cmp <= 0,
        _ => cmp >= 0,
    };
}

/// <summary>StringMatches patterns: <c>*</c> matches any run of characters; <c>\*</c> and <c>\\</c> are literal.</summary>
internal sealed class StringPattern
{
    private readonly List<(string Text, bool Star)> _tokens = new();

    public StringPattern(string pattern)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length && pattern[i + 1] is '*' or '\\')
            {
                sb.Append(pattern[++i]);
            }
            else if (c == '*')
            {
                if (sb.Length > 0) _tokens.Add((sb.ToString(), false));
                sb.Clear();
                _tokens.Add(("", true));
            }
            else
            {
                sb.Append(c);
            }
        }
        if (sb.Length > 0) _tokens.Add((sb.ToString(), false));
    }

    public bool IsMatch(string s) => Match(s, 0, 0);

    private bool Match(string s, int pos, int token)
    {
        if (token == _tokens.Count) return pos == s.Length;
        var (text, star) = _tokens[token];
        if (!star)
            return string.CompareOrdinal(s, pos, text, 0, text.Length) == 0 && pos + text.Length <= s.Length && Match(s, pos + text.Length, token + 1);
        for (var p = pos; p <= s.Length; p++)
            if (Match(s, p, token + 1)) return true;
        return false;
    }
}
