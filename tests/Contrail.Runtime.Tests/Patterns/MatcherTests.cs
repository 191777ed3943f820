using System.Text;
using System.Text.Json;
using Contrail.Patterns;

namespace Contrail.Tests.Patterns;

/// <summary>The many-rule matcher: identity of keys, scale, immutability and concurrent use.</summary>
public sealed class MatcherTests
{
    private static CompiledPattern P(string json) => PatternCompiler.Compile(json);

    private static List<T> MatchAll<T>(Matcher<T> matcher, string evt) where T : notnull
    {
        var matches = new List<T>();
        matcher.Match(Encoding.UTF8.GetBytes(evt), matches);
        return matches;
    }

    [Fact]
    public void Empty_matcher_matches_nothing()
    {
        Assert.Equal(0, Matcher<string>.Empty.RuleCount);
        Assert.Empty(MatchAll(Matcher<string>.Empty, """{"a":1}"""));
    }

    [Fact]
    public void A_key_is_reported_once_even_when_several_branches_match()
    {
        var matcher = new MatcherBuilder<string>().Add("r", P("""{"$or":[{"a":["1"]},{"b":["2"]}]}""")).Build();
        Assert.Equal(["r"], MatchAll(matcher, """{"a":"1","b":"2"}"""));
    }

    [Fact]
    public void A_key_added_twice_matches_when_either_pattern_does()
    {
        var matcher = new MatcherBuilder<string>().Add("r", P("""{"a":["1"]}""")).Add("r", P("""{"b":["2"]}""")).Build();
        Assert.Equal(1, matcher.RuleCount);
        Assert.Equal(["r"], MatchAll(matcher, """{"b":"2"}"""));
        Assert.Equal(["r"], MatchAll(matcher, """{"a":"1","b":"2"}"""));
    }

    [Fact]
    public void Identical_patterns_under_different_keys_all_match()
    {
        var matcher = new MatcherBuilder<int>().Add(1, P("""{"a":["x"]}""")).Add(2, P("""{"a":["x"]}""")).Add(3, P("""{"a":["y"]}""")).Build();
        Assert.Equal([1, 2], MatchAll(matcher, """{"a":"x"}""").Order());
    }

    [Fact]
    public void Rules_sharing_leading_fields_do_not_leak_into_each_other()
    {
        var matcher = new MatcherBuilder<string>()
            .Add("ab", P("""{"a":["1"],"b":["1"]}"""))
            .Add("ac", P("""{"a":["1"],"c":["1"]}"""))
            .Add("a", P("""{"a":["1"]}"""))
            .Build();
        Assert.Equal(["a", "ac"], MatchAll(matcher, """{"a":"1","c":"1"}""").Order());
        Assert.Equal(["a"], MatchAll(matcher, """{"a":"1","b":"2"}"""));
    }

    [Fact]
    public void Ten_thousand_rules_still_match_the_right_rules()
    {
        var builder = new MatcherBuilder<int>();
        for (var i = 0; i < 10_000; i++)
        {
            var pattern = (i % 4) switch
            {
                0 => $$$"""{"source":["app.{{{i}}}"]}""",
                1 => $$$"""{"detail":{"id":[{"prefix":"order-{{{i}}}-"}]}}""",
                2 => $$$"""{"source":["app.{{{i - 2}}}"],"detail":{"n":[{{{i}}}]}}""",
                _ => $$$"""{"detail":{"file":[{"suffix":".{{{i}}}.log"}]}}""",
            };
            builder.Add(i, P(pattern));
        }
        var matcher = builder.Build();
        Assert.Equal(10_000, matcher.RuleCount);

        Assert.Equal([4000], MatchAll(matcher, """{"source":"app.4000"}"""));
        Assert.Equal([4000, 4002], MatchAll(matcher, """{"source":"app.4000","detail":{"n":4002}}""").Order());
        Assert.Equal([4001], MatchAll(matcher, """{"detail":{"id":"order-4001-77"}}"""));
        Assert.Empty(MatchAll(matcher, """{"detail":{"id":"order-40012"}}"""));
        Assert.Equal([4003], MatchAll(matcher, """{"detail":{"file":"x.4003.log"}}"""));
        Assert.Equal([8, 9], MatchAll(matcher, """{"source":["app.8","nope"],"detail":{"id":"order-9-","file":"a.b"}}""").Order());
        Assert.Empty(MatchAll(matcher, """{"source":"app.10000"}"""));
    }

    [Fact]
    public void A_built_matcher_does_not_change_when_its_builder_does()
    {
        var builder = new MatcherBuilder<string>().Add("a", P("""{"a":["1"]}"""));
        var first = builder.Build();
        builder.Add("b", P("""{"a":["1"]}"""));
        var second = builder.Build();
        Assert.Equal(["a"], MatchAll(first, """{"a":"1"}"""));
        Assert.Equal(["a", "b"], MatchAll(second, """{"a":"1"}""").Order());
    }

    [Fact]
    public void Matching_appends_to_the_callers_list()
    {
        var matcher = new MatcherBuilder<string>().Add("a", P("""{"a":["1"]}""")).Build();
        var matches = new List<string> { "earlier" };
        matcher.Match(JsonDocument.Parse("""{"a":"1"}""").RootElement, matches);
        Assert.Equal(["earlier", "a"], matches);
    }

    [Fact]
    public void Json_element_that_is_not_an_object_matches_nothing()
    {
        var matcher = new MatcherBuilder<string>().Add("a", P("""{"a":[{"exists":false}]}""")).Build();
        var matches = new List<string>();
        matcher.Match(JsonDocument.Parse("[]").RootElement, matches);
        matcher.Match(JsonDocument.Parse("{\"x\":[{}]}").RootElement.GetProperty("x"), matches);
        Assert.Empty(matches);
    }

    [Fact]
    public void Matching_a_nested_element_reads_only_that_element()
    {
        var matcher = new MatcherBuilder<string>().Add("a", P("""{"a":["1"]}""")).Build();
        var inner = JsonDocument.Parse("""{"outer":{"a":"1"},"a":"2"}""").RootElement.GetProperty("outer");
        var matches = new List<string>();
        matcher.Match(inner, matches);
        Assert.Equal(["a"], matches);
    }

    [Fact]
    public void Concurrent_matches_on_one_matcher_agree()
    {
        var random = new RandomPatterns(7);
        var builder = new MatcherBuilder<int>();
        var count = 0;
        while (count < 300)
            if (PatternCompiler.TryCompile(random.Pattern().ToJsonString(), out var p, out _)) builder.Add(count++, p);
        var matcher = builder.Build();
        var events = Enumerable.Range(0, 200).Select(_ => Encoding.UTF8.GetBytes(random.Event().ToJsonString())).ToArray();
        var expected = events.Select(e => MatchAllBytes(matcher, e)).ToArray();

        Parallel.For(0, 8, _ =>
        {
            for (var round = 0; round < 5; round++)
                for (var i = 0; i < events.Length; i++)
                    Assert.Equal(expected[i], MatchAllBytes(matcher, events[i]));
        });
    }

    private static List<int> MatchAllBytes(Matcher<int> matcher, byte[] evt)
    {
        var matches = new List<int>();
        matcher.Match(evt, matches);
        matches.Sort();
        return matches;
    }
}
