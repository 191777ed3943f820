namespace Contrail.Workflows.Asl;

/// <summary>
/// A compiled payload template (Parameters, ResultSelector, ItemSelector, Assign): keys ending in <c>.$</c> hold
/// paths or intrinsic calls, everything else is literal. Constant subtrees are built once at parse time; objects
/// evaluate into a key array shared by every evaluation.
/// </summary>
internal abstract class PayloadNode
{
    public abstract bool IsConstant { get; }

    public abstract AslValue Evaluate(EvalContext ctx);
}

internal sealed class ConstantNode(AslValue value) : PayloadNode
{
    public AslValue Value { get; } = value;
    public override bool IsConstant => true;
    public override AslValue Evaluate(EvalContext ctx) => Value;
}

internal sealed class PathNode(JsonPathExpression path, string field) : PayloadNode
{
    public JsonPathExpression Path { get; } = path;
    public override bool IsConstant => false;
    public override AslValue Evaluate(EvalContext ctx) => ctx.ResolveField(Path, field);
}

internal sealed class IntrinsicNode(IntrinsicCall call) : PayloadNode
{
    public IntrinsicCall Call { get; } = call;
    public override bool IsConstant => false;
    public override AslValue Evaluate(EvalContext ctx) => Call.Evaluate(ctx);
}

internal sealed class ObjectNode : PayloadNode
{
    private readonly string[] _keys;
    private readonly PayloadNode[] _values;

    public ObjectNode(string[] keys, PayloadNode[] values)
    {
        _keys = keys;
        _values = values;
    }

    public override bool IsConstant => false;
    public ReadOnlySpan<string> Keys => _keys;


    public override AslValue Evaluate(EvalContext ctx)
    {
        var values = new AslValue[_values.Length];
        for (var i = 0; i < values.Length; i++) values[i] = _values[i].Evaluate(ctx);
        return new AslObject(_keys, values);
    }

    /// <summary>Evaluates each entry on its own (Assign needs every value computed before any is stored).</summary>
    public AslObject EvaluateObject(EvalContext ctx) => (AslObject)Evaluate(ctx);
}

internal sealed class ArrayNode(PayloadNode[] items) : PayloadNode
{
    public override bool IsConstant => false;

    public override AslValue Evaluate(EvalContext ctx)
    {
        var values = new AslValue[items.Length];
        for (var i = 0; i < values.Length; i++) values[i] = items[i].Evaluate(ctx);
        return new AslArray(values);
    }
}
