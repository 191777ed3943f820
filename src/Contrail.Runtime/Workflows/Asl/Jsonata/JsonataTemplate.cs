using System.Text.Json;

namespace Contrail.Workflows.Asl;

/// <summary>What a JSONata expression sees: <c>$states.input</c>, <c>.context</c>, <c>.result</c>, <c>.errorOutput</c> and the workflow variables.</summary>
internal readonly record struct JsonataScope(EvalContext Context, AslValue Input, AslValue? Result = null, AslValue? ErrorOutput = null)
{
    public JEnv CreateEnv()
    {
        var ctx = Context;
        var input = Input;
        var result = Result;
        var errorOutput = ErrorOutput;
        AslObject? states = null;
        return new JEnv(name =>
        {
            if (name == "states")
            {
                if (states is null)
                {
                    var b = new AslObjectBuilder(4).Add("input", input).Add("context", ctx.ContextObject);
                    if (result is not null) b.Add("result", result);
                    if (errorOutput is not null) b.Add("errorOutput", errorOutput);
                    states = b.Build();
                }
                return (true, states);
            }
            if (name == "$") return (true, input);
            return ctx.TryGetVariable(name, out var v) ? (true, v) : (false, null);
        }, ctx.Random);
    }
}

/// <summary>
/// A JSONata-mode field value: any JSON where a string that starts with <c>{%</c> and ends with <c>%}</c> is an
/// expression (compiled once). Failures become <c>States.QueryEvaluationError</c> with AWS's wording, naming the
/// field (<c>Output/result</c>, <c>Arguments/FunctionName</c>, …).
/// </summary>
internal abstract class JTemplate
{
    public abstract bool IsConstant { get; }

    public AslValue Evaluate(JsonataScope scope, string field) => Evaluate(scope, scope.CreateEnv(), field);

    public abstract AslValue Evaluate(JsonataScope scope, JEnv env, string field);

    /// <summary>The expression text when the whole field is one expression (used in error messages).</summary>
    public virtual string? ExpressionText => null;

    public static bool IsExpression(string? s) =>
        s is not null && s.StartsWith("{%", StringComparison.Ordinal) && s.EndsWith("%}", StringComparison.Ordinal) && s.Length >= 4;

    /// <summary>Compiles a JSON value; problems (invalid expressions) are reported through <paramref name="problem"/>.</summary>
    public static JTemplate Compile(JsonElement value, Action<string> problem)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String when IsExpression(value.GetString()):
                {
                    var text = value.GetString()!;
                    var body = text[2..^2].Trim();
                    if (JsonataExpression.TryParse(body, out var expression, out var error)) return new JExpressionTemplate(expression);
                    problem($"'{body}' is not a valid JSONata expression: {error}");
                    return new JConstantTemplate(AslValue.Null);
                }
            case JsonValueKind.Object:
                {
                    var keys = new List<string>();
                    var values = new List<JTemplate>();
                    foreach (var p in value.EnumerateObject())
                    {
                        var i = keys.IndexOf(p.Name);
                        var t = Compile(p.Value, problem);
                        if (i >= 0) values[i] = t;
                        else
                        {
                            keys.Add(p.Name);
                            values.Add(t);
                        }
                    }
                    if (values.All(v => v.IsConstant))
                        return new JConstantTemplate(keys.Count == 0 ? AslObject.Empty : new AslObject(keys.ToArray(), values.Select(v => ((JConstantTemplate)v).Value).ToArray()));
                    return new JObjectTemplate(keys.ToArray(), values.ToArray());
                }
            case JsonValueKind.Array:
                {
                    var items = value.EnumerateArray().Select(e => Compile(e, problem)).ToArray();
                    if (items.All(i => i.IsConstant))
                        return new JConstantTemplate(items.Length == 0 ? AslArray.Empty : new AslArray(items.Select(i => ((JConstantTemplate)i).Value).ToArray()));
                    return new JArrayTemplate(items);
                }
            default:
                return new JConstantTemplate(AslValue.FromJsonElement(value));
        }
    }

    public static AslRuntimeException Failure(string message) => new(AslErrorNames.QueryEvaluationError, message);
}

internal sealed class JConstantTemplate(AslValue value) : JTemplate
{
    public AslValue Value { get; } = value;
    public override bool IsConstant => true;
    public override AslValue Evaluate(JsonataScope scope, JEnv env, string field) => Value;
}

internal sealed class JExpressionTemplate(JsonataExpression expression) : JTemplate
{
    public override bool IsConstant => false;
    public override string? ExpressionText => expression.Text;

    public override AslValue Evaluate(JsonataScope scope, JEnv env, string field)
    {
        object? result;
        try
        {
            result = expression.Evaluate(scope.Input, env);
        }
        catch (JsonataException e)
        {
            throw Failure($"The JSONata expression '{expression.Text}' specified for the field '{field}' threw an error during evaluation. {e.Code}: {e.Message}");
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException or OverflowException or System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            throw Failure($"The JSONata expression '{expression.Text}' specified for the field '{field}' threw an error during evaluation. {e.Message}");
        }
        return result switch
        {
            null => throw Failure($"The JSONata expression '{expression.Text}' specified for the field '{field}' returned nothing (undefined)."),
            AslValue v => v,
            _ => throw Failure($"The JSONata expression '{expression.Text}' specified for the field '{field}' returned an unsupported result type."),
        };
    }
}

internal sealed class JObjectTemplate(string[] keys, JTemplate[] values) : JTemplate
{
    public override bool IsConstant => false;

    public override AslValue Evaluate(JsonataScope scope, JEnv env, string field)
    {
        var results = new AslValue[values.Length];
        for (var i = 0; i < results.Length; i++) results[i] = values[i].Evaluate(scope, env, field + "/" + keys[i]);
        return new AslObject(keys, results);
    }
}

internal sealed class JArrayTemplate(JTemplate[] items) : JTemplate
{
    public override bool IsConstant => false;

    public override AslValue Evaluate(JsonataScope scope, JEnv env, string field)
    {
        var results = new AslValue[items.Length];
        for (var i = 0; i < results.Length; i++) results[i] = items[i].Evaluate(scope, env, field + "/" + i);
        return new AslArray(results);
    }
}

/// <summary>The JSONata fields of one state (JSONata mode replaces the JSONPath input/output fields with these).</summary>
internal sealed class JsonataFields
{
    public JTemplate? Output { get; set; }
    public JTemplate? Assign { get; set; }
    public JTemplate? Arguments { get; set; }
    public JTemplate? Items { get; set; }
    public JTemplate? ItemSelector { get; set; }
    public JTemplate? MaxConcurrency { get; set; }
    public JTemplate? ToleratedFailureCount { get; set; }
    public JTemplate? ToleratedFailurePercentage { get; set; }
    public JTemplate? TimeoutSeconds { get; set; }
    public JTemplate? HeartbeatSeconds { get; set; }
    public JTemplate? Seconds { get; set; }
    public JTemplate? Timestamp { get; set; }
    public JTemplate? Error { get; set; }
    public JTemplate? Cause { get; set; }
}

/// <summary>A JSONata Choice rule's <c>Condition</c>.</summary>
internal sealed class JsonataChoiceCondition(JTemplate condition) : ChoiceCondition
{
    public override bool Evaluate(EvalContext ctx)
    {
        var value = condition.Evaluate(new JsonataScope(ctx, ctx.Input), "Condition");
        if (value is AslBool b) return b.Value;
        throw JTemplate.Failure($"The JSONata expression '{condition.ExpressionText ?? value.ToJsonString()}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '{JsonataTypeName(value)}' for value: {value.ToJsonString()}");
    }

    public static string JsonataTypeName(AslValue v) => v.Kind switch
    {
        AslValueKind.Null => "null",
        AslValueKind.True or AslValueKind.False => "boolean",
        AslValueKind.Number => "number",
        AslValueKind.String => "string",
        AslValueKind.Array => "array",
        _ => "object",
    };
}
