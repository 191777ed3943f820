using Contrail.Workflows.Asl;

namespace Contrail.Tests.Workflows;

/// <summary>The JSONata subset, tested directly, and JSONata states driven through the engine.</summary>
public sealed class AslJsonataTests
{
    private const string Input = """{"a":{"b":[{"c":1},{"c":[2,3]},{"d":4}]},"n":5,"s":"Hello","items":[0],"empty":[]}""";

    [Theory]
    [InlineData("$states.input.n", "5")]
    [InlineData("$states.input.a.b.c", "[1,2,3]")]
    [InlineData("$states.input.a.b[0].c", "1")]
    [InlineData("$states.input.a.b[-1]", """{"d":4}""")]
    [InlineData("$states.input.a.b[c = 1]", """{"c":1}""")]
    [InlineData("$states.input.items", "[0]")]
    [InlineData("$states.input.n * 2 + 1", "11")]
    [InlineData("$states.input.n % 3", "2")]
    [InlineData("$states.input.s & ' ' & 'World'", "\"Hello World\"")]
    [InlineData("$states.input.n > 3 and $states.input.s = 'Hello'", "true")]
    [InlineData("$states.input.n in [1, 5]", "true")]
    [InlineData("$states.input.n > 9 ? 'big' : 'small'", "\"small\"")]
    [InlineData("($x := 2; $y := $x * 3; $y + 1)", "7")]
    [InlineData("($f := function($v){ $v * 10 }; $f(4))", "40")]
    [InlineData("{'k': $states.input.n, 'list': [1, 'two']}", """{"k":5,"list":[1,"two"]}""")]
    [InlineData("$count($states.input.a.b)", "3")]
    [InlineData("$sum([1, 2.5])", "3.5")]
    [InlineData("$string({'a': [1]})", "\"{\\\"a\\\":[1]}\"")]
    [InlineData("$number('42')", "42")]
    [InlineData("$join(['a','b'], '-')", "\"a-b\"")]
    [InlineData("$split('a,b', ',')", """["a","b"]""")]
    [InlineData("$contains('hello', /l+o$/)", "true")]
    [InlineData("$merge([{'a':1}, {'b':2}, {'a':3}])", """{"a":3,"b":2}""")]
    [InlineData("$exists($states.input.missing)", "false")]
    [InlineData("$keys({'x':1,'y':2})", """["x","y"]""")]
    [InlineData("$partition([1,2,3], 2)", "[[1,2],[3]]")]
    [InlineData("$range(0, 4, 2)", "[0,2,4]")]
    [InlineData("$range(5, 5, 1)", "5")]
    [InlineData("$parse('{\"x\": [true]}')", """{"x":[true]}""")]
    [InlineData("$hash('input data', 'SHA-256')", "\"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3\"")]
    [InlineData("$states.context.State.Name", "\"S\"")]
    [InlineData("$myVar.x", "1")]
    public void Expressions_evaluate_like_JSONata(string expression, string expected)
    {
        Assert.True(JsonataExpression.TryParse(expression, out var parsed, out var error), error);
        Assert.Equal(AslValue.Parse(expected), Evaluate(parsed));
    }

    [Theory]
    [InlineData("$nope(1)", "T1006")]
    [InlineData("'a' + 1", "T2001")]
    [InlineData("1 < 'a'", "T2010")]
    public void Evaluation_errors_carry_JSONata_codes(string expression, string code)
    {
        Assert.True(JsonataExpression.TryParse(expression, out var parsed, out _));
        var e = Assert.Throws<JsonataException>(() => Evaluate(parsed));
        Assert.Equal(code, e.Code);
    }

    [Theory]
    [InlineData("$states.input.")]
    [InlineData("(1 + ")]
    [InlineData("{'a' 1}")]
    [InlineData("'unterminated")]
    public void Syntax_errors_are_rejected_when_the_definition_is_parsed(string expression)
    {
        Assert.False(JsonataExpression.TryParse(expression, out _, out _));
        var problems = AslDefinition.Validate($$"""
        { "QueryLanguage": "JSONata", "StartAt": "P", "States": { "P": { "Type": "Pass", "Output": "{% {{expression.Replace("\"", "\\\"")}} %}", "End": true } } }
        """);
        Assert.Contains(problems, p => p.Pointer == "/States/P/Output" && p.Message.Contains("not a valid JSONata expression"));
    }

    [Fact]
    public async Task A_JSONata_task_gets_its_arguments_and_shapes_its_output_and_variables()
    {
        var def = AslDefinition.Parse("""
        { "QueryLanguage": "JSONata", "StartAt": "Call", "States": {
          "Call": { "Type": "Task", "Resource": "contrail:function:double",
            "Arguments": { "value": "{% $states.input.n %}" },
            "Assign": { "doubled": "{% $states.result.value %}" },
            "Output": { "in": "{% $states.input.n %}", "out": "{% $states.result.value %}" },
            "Next": "Check" },
          "Check": { "Type": "Choice", "Choices": [ { "Condition": "{% $doubled > 5 %}", "Next": "Big", "Output": "{% 'big:' & $string($doubled) %}" } ], "Default": "Small" },
          "Big": { "Type": "Succeed" },
          "Small": { "Type": "Fail", "Error": "Small", "Cause": "{% 'only ' & $string($doubled) %}" } } }
        """);
        var runner = new InMemoryAslRunner(AslTaskHandlers.FromFunctions((name, payload, ct) =>
            ValueTask.FromResult<AslValue>(new AslObjectBuilder().Add("value", AslNumber.FromDouble(((AslNumber)((AslObject)payload)["value"]!).Double * 2)).Build())));
        var big = await runner.RunAsync(def, AslValue.Parse("""{"n": 4}"""), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("\"big:8\"", big.Output!.ToJsonString());
        Assert.Equal("""{"in":4,"out":8}""", big.History.Single(e => e.Type == "TaskStateExited").Output!.ToJsonString());
        var small = await runner.RunAsync(def, AslValue.Parse("""{"n": 2}"""), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(("Small", "only 4"), (small.Error, small.Cause));
    }

    private static AslValue? Evaluate(JsonataExpression expression)
    {
        var exec = new ExecutionContextData("exec", "name", AslValue.Parse(Input), DateTimeOffset.UnixEpoch, "sm", "sm");
        var ctx = new EvalContext(exec) { Locals = (AslObject)AslValue.Parse("""{"myVar":{"x":1}}""") };
        ctx.ForState("S", DateTimeOffset.UnixEpoch, null, 1);
        ctx.Input = AslValue.Parse(Input);
        var scope = new JsonataScope(ctx, ctx.Input);
        return expression.Evaluate(ctx.Input, scope.CreateEnv()) as AslValue;
    }
}
