using System.Text.Json;
using Contrail.Workflows.Asl;

namespace Contrail.Tests.Workflows;

/// <summary>JSONPath, intrinsic functions and the immutable JSON values, tested directly.</summary>
public sealed class AslPathsAndValuesTests
{
    private static readonly AslValue Doc = AslValue.Parse("""
    { "store": { "book": [
        { "title": "A", "price": 8, "tags": ["x"] },
        { "title": "B", "price": 12.5 },
        { "title": "C", "price": 3, "isbn": "1" } ] },
      "other name": { "k": true }, "n": null }
    """);

    [Theory]
    [InlineData("$.store.book[0].title", "\"A\"")]
    [InlineData("$.store.book[-1].title", "\"C\"")]
    [InlineData("$['other name'].k", "true")]
    [InlineData("$[\"other name\"][\"k\"]", "true")]
    [InlineData("$.n", "null")]
    [InlineData("$.store.book[*].title", "[\"A\",\"B\",\"C\"]")]
    [InlineData("$.store.book[1:].title", "[\"B\",\"C\"]")]
    [InlineData("$.store.book[:2].price", "[8,12.5]")]
    [InlineData("$.store.book[::2].title", "[\"A\",\"C\"]")]
    [InlineData("$.store.book[0,2].title", "[\"A\",\"C\"]")]
    [InlineData("$..price", "[8,12.5,3]")]
    [InlineData("$.store.book[?(@.price < 10)].title", "[\"A\",\"C\"]")]
    [InlineData("$.store.book[?(@.isbn)].title", "[\"C\"]")]
    [InlineData("$.store.book[?(@.price > 5 && @.title != 'B')].title", "[\"A\"]")]
    [InlineData("$.store.book[?(@.title =~ /[AB]/)].title", "[\"A\",\"B\"]")]
    [InlineData("$.missing[*]", "[]")]
    public void Paths_select_like_Jayway(string path, string expected)
    {
        var p = JsonPathExpression.Parse(path);
        Assert.Equal(AslValue.Parse(expected), p.Evaluate(Doc, out _));
    }

    [Fact]
    public void Definite_paths_explain_what_is_missing()
    {
        Assert.False(JsonPathExpression.Parse("$.store.missing.title").TryEvaluateDefinite(Doc, out _, out var intermediate));
        Assert.Equal("Missing property in path $['store']['missing']", intermediate);
        Assert.False(JsonPathExpression.Parse("$.store.nope").TryEvaluateDefinite(Doc, out _, out var leaf));
        Assert.Equal("No results for path: $['store']['nope']", leaf);
    }

    [Theory]
    [InlineData("")]
    [InlineData("store")]
    [InlineData("$$23")]
    [InlineData("$.a[")]
    [InlineData("$.a b")]
    [InlineData("$.")]
    public void Invalid_paths_are_rejected(string path) => Assert.False(JsonPathExpression.TryParse(path, out _, out _));

    [Theory]
    [InlineData("States.Format('x={}, y={}', $.x, $.y)", """{"x":1,"y":"s"}""", "\"x=1, y=s\"")]
    [InlineData("States.Format('\\{\\} {} \\'q\\'', $.x)", """{"x":[1,{"a":null}]}""", "\"{} [1, {a=null}] 'q'\"")]
    [InlineData("States.Format('{}', States.JsonToString($.o))", """{"o":{"a":[1,2]}}""", "\"{\\\"a\\\":[1,2]}\"")]
    [InlineData("States.StringToJson('{\"a\": 1}')", "{}", """{"a":1}""")]
    [InlineData("States.Array(1, 'two', true, null, $.x)", """{"x":{"k":3}}""", """[1,"two",true,null,{"k":3}]""")]
    [InlineData("States.ArrayPartition(States.ArrayRange(1, 7, 2), 3)", "{}", "[[1,3,5],[7]]")]
    [InlineData("States.ArrayContains($.a, $.v)", """{"a":[{"k":1.0}],"v":{"k":1}}""", "true")]
    [InlineData("States.ArrayUnique($.a)", """{"a":[1,1.0,"1",[1],[1]]}""", """[1,"1",[1]]""")]
    [InlineData("States.Base64Decode(States.Base64Encode('héllo'))", "{}", "\"héllo\"")]
    [InlineData("States.Hash('input data', 'SHA-256')", "{}", "\"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3\"")]
    [InlineData("States.JsonMerge($.a, $.b, false)", """{"a":{"x":{"y":1},"z":1},"b":{"x":{"w":2}}}""", """{"x":{"w":2},"z":1}""")]
    [InlineData("States.MathAdd(-2.5, 0.5)", "{}", "-1")]
    [InlineData("States.StringSplit('a,,b;c', ',;')", "{}", """["a","b","c"]""")]
    [InlineData("States.ArrayGetItem($.a, States.MathAdd(States.ArrayLength($.a), -1))", """{"a":[1,2,3]}""", "3")]
    [InlineData("States.Format('{}', $v)", "{}", "\"from a variable\"")]
    public void Intrinsic_functions_compute_like_AWS(string call, string input, string expected)
    {
        Assert.True(IntrinsicCall.TryParse(call, allowVariables: true, out var parsed, out var error), error);
        var ctx = Context(input);
        ctx.Locals = (AslObject)AslValue.Parse("""{"v":"from a variable"}""");
        Assert.Equal(AslValue.Parse(expected), parsed.Evaluate(ctx));
    }

    [Theory]
    [InlineData("States.Format('{} {}', 1)")]
    [InlineData("States.ArrayGetItem(States.Array(1), 5)")]
    [InlineData("States.ArrayRange(0, 2000, 1)")]
    [InlineData("States.Hash('x', 'SHA-3')")]
    [InlineData("States.JsonMerge(States.StringToJson('{}'), States.StringToJson('{}'), true)")]
    [InlineData("States.ArrayPartition(States.Array(1), 0)")]
    [InlineData("States.MathAdd('a', 1)")]
    public void Intrinsic_failures_are_States_IntrinsicFailure(string call)
    {
        Assert.True(IntrinsicCall.TryParse(call, allowVariables: true, out var parsed, out var error), error);
        var e = Assert.Throws<AslRuntimeException>(() => parsed.Evaluate(Context("{}")));
        Assert.Equal(AslErrorNames.IntrinsicFailure, e.Error);
    }

    [Fact]
    public void UUID_and_MathRandom_are_reproducible_from_the_seed()
    {
        Assert.True(IntrinsicCall.TryParse("States.Array(States.UUID(), States.MathRandom(1, 1000))", true, out var call, out _));
        var a = call.Evaluate(Context("{}", seed: 1));
        var b = call.Evaluate(Context("{}", seed: 1));
        var c = call.Evaluate(Context("{}", seed: 2));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", ((AslString)((AslArray)a)[0]).Value);
    }

    [Fact]
    public void Values_keep_number_text_and_compare_numbers_by_value()
    {
        var v = AslValue.Parse("""{"a":1.0,"b":12345678901234567890,"c":"é\u2028\"","d":[1e2,-0]}""");
        Assert.Equal("""{"a":1.0,"b":12345678901234567890,"c":"é\u2028\"","d":[1e2,-0]}""", v.ToJsonString());
        Assert.Equal(AslValue.Parse("""{"d":[100,0],"c":"é\u2028\"","b":12345678901234567890,"a":1}"""), v);
        Assert.NotEqual(AslValue.Parse("""{"a":1}"""), AslValue.Parse("""{"a":"1"}"""));
    }

    [Fact]
    public void Values_round_trip_through_JsonNode_and_System_Text_Json()
    {
        var v = AslValue.Parse("""{"a":[1,2.5,"x",null,true,{"b":{}}]}""");
        Assert.Equal(v, AslValue.FromJsonNode(v.ToJsonNode()));
        var json = JsonSerializer.Serialize(v);
        Assert.Equal(v, JsonSerializer.Deserialize<AslValue>(json));
        Assert.Equal(AslValue.Null, JsonSerializer.Deserialize<AslValue>("null"));
        Assert.Null(JsonSerializer.Deserialize<AslObject>("null"));
    }

    [Fact]
    public void Timestamps_follow_RFC3339_strictly()
    {
        Assert.True(Rfc3339.TryParse("2016-03-05T21:29:29.243167252Z", out var ns));
        Assert.Equal(new DateTimeOffset(2016, 3, 5, 21, 29, 29, TimeSpan.Zero).AddTicks(2431672), ns);
        Assert.True(Rfc3339.TryParse("2024-02-29T23:59:59-05:30", out _));
        foreach (var bad in new[] { "2016-13-05T21:29:29Z", "2016-12-05T25:29:29Z", "2016-12-05 21:29:29Z", "2016-12-05T21:29:29", "2023-02-29T00:00:00Z", "05-12-2016T21:29:29Z" })
            Assert.False(Rfc3339.TryParse(bad, out _), bad);
    }

    private static EvalContext Context(string input, ulong seed = 9)
    {
        var exec = new ExecutionContextData("exec", "name", AslValue.Parse(input), DateTimeOffset.UnixEpoch, "sm", "sm");
        var ctx = new EvalContext(exec);
        ctx.ForState("S", DateTimeOffset.UnixEpoch, null, seed);
        ctx.Input = AslValue.Parse(input);
        return ctx;
    }
}
