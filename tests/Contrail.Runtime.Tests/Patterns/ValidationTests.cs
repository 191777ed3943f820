using Contrail.Patterns;
using static Contrail.Tests.Patterns.PatternAssert;

namespace Contrail.Tests.Patterns;

/// <summary>Invalid patterns are rejected when compiled, in EventBridge's words, with a pointer to the place.</summary>
public sealed class ValidationTests
{
    [Theory]
    [InlineData("""{"a":"x"}""", "\"a\" must be an object or an array", "/a")]
    [InlineData("""{"a":[]}""", "Empty arrays are not allowed", "/a")]
    [InlineData("""{"a":{}}""", "Empty objects are not allowed", "/a")]
    [InlineData("""{}""", "Empty objects are not allowed", "")]
    [InlineData("""[1]""", "Filter is not an object", "")]
    [InlineData("""{"a":[[1]]}""", "Match value must be String, number, true, false, or null", "/a/0")]
    [InlineData("""{"a":[{}]}""", "Match expression name not found", "/a/0")]
    [InlineData("""{"a":[{"EXISTS":true}]}""", "Unrecognized match type EXISTS", "/a/0/EXISTS")]
    [InlineData("""{"a":[{"prefix":"x","suffix":"y"}]}""", "Only one key allowed in match expression", "/a/0/suffix")]
    [InlineData("""{"a":[{"prefix":1}]}""", "prefix match pattern must be a string", "/a/0/prefix")]
    [InlineData("""{"a":[{"prefix":{"wildcard":"x"}}]}""", "Unsupported prefix pattern: wildcard", "/a/0/prefix/wildcard")]
    [InlineData("""{"a":[{"exists":"yes"}]}""", "exists match pattern must be either true or false.", "/a/0/exists")]
    [InlineData("""{"a":[{"numeric":[">",0,">",0]}]}""", "Bad numeric range operator: >", "/a/0/numeric/2")]
    [InlineData("""{"a":[{"numeric":[">",0,"<"]}]}""", "Value of < must be numeric", "/a/0/numeric/3")]
    [InlineData("""{"a":[{"numeric":["=","5"]}]}""", "Value of equals must be numeric", "/a/0/numeric/1")]
    [InlineData("""{"a":[{"numeric":["!=",5]}]}""", "Unrecognized numeric range operator: !=", "/a/0/numeric/0")]
    [InlineData("""{"a":[{"numeric":["<",5,">",1]}]}""", "Too many elements in numeric expression", "/a/0/numeric/2")]
    [InlineData("""{"a":[{"numeric":[">",5,"<",1]}]}""", "Bottom must be less than top", "/a/0/numeric")]
    [InlineData("""{"a":[{"numeric":[">",5000000001]}]}""", "Value must be between -5.0E9 and 5.0E9, inclusive: 5000000001", "/a/0/numeric/1")]
    [InlineData("""{"a":[{"numeric":["=",0.0000001]}]}""", "Only values upto 6 decimals are supported: 0.0000001", "/a/0/numeric/1")]
    [InlineData("""{"a":[{"anything-but":null}]}""", "Value of anything-but must be an array or single string/number value.", "/a/0/anything-but")]
    [InlineData("""{"a":[{"anything-but":["x",1]}]}""", "Inside anything but list, either all values are number or string, mixed type is not supported", "/a/0/anything-but")]
    [InlineData("""{"a":[{"anything-but":["x",true]}]}""", "Inside anything but list, start|null|boolean is not supported.", "/a/0/anything-but/1")]
    [InlineData("""{"a":[{"anything-but":{"exists":true}}]}""", "Unsupported anything-but pattern: exists", "/a/0/anything-but/exists")]
    [InlineData("""{"a":[{"anything-but":{"prefix":""}}]}""", "Null prefix/suffix not allowed", "/a/0/anything-but/prefix")]
    [InlineData("""{"a":[{"anything-but":{"suffix":[".x",2]}}]}""", "prefix/suffix match pattern must be a string", "/a/0/anything-but/suffix/1")]
    [InlineData("""{"a":[{"wildcard":"a**"}]}""", "Consecutive wildcard characters at pos 2", "/a/0/wildcard")]
    [InlineData("""{"a":[{"wildcard":"a\\b"}]}""", "Invalid escape character at pos 1", "/a/0/wildcard")]
    [InlineData("""{"a":[{"wildcard":"*:*:*:*:*:event-bus/*"}]}""", Wildcard.TooComplexReason, "/a/0/wildcard")]
    [InlineData("""{"a":[{"anything-but":{"wildcard":["ok*","a*a*a*a*a*a*a"]}}]}""", Wildcard.TooComplexReason, "/a/0/anything-but/wildcard/1")]
    [InlineData("""{"a":[{"cidr":"10.0.0.0"}]}""", "Malformed CIDR, one '/' required", "/a/0/cidr")]
    [InlineData("""{"a":[{"cidr":"10.0.0.0/33"}]}""", "Malformed CIDR, mask bits must be between 0 and 32", "/a/0/cidr")]
    [InlineData("""{"a":[{"cidr":"10.0.0/8"}]}""", "Nonstandard IP address: 10.0.0", "/a/0/cidr")]
    [InlineData("""{"$or":[{"a":["x"]}]}""", "There must have at least 2 Objects in $or relationship.", "/$or")]
    [InlineData("""{"$or":{"a":["x"]}}""", "It must be an Array followed with $or.", "/$or")]
    [InlineData("""{"$or":[{"a":["x"]},"b"]}""", "Only JSON object is allowed in array of $or relationship.", "/$or/1")]
    [InlineData("""{"$or":[{"a":["x"]},{"prefix":["b"]}]}""", "prefix is Ruler reserved fieldName which cannot be used inside $or.", "/$or/1/prefix")]
    [InlineData("""{"a/b":{"c~d":"x"}}""", "\"c~d\" must be an object or an array", "/a~1b/c~0d")]
    public void Invalid_pattern_is_rejected_with_reason_and_pointer(string pattern, string reason, string pointer)
    {
        var error = Rejects(pattern);
        Assert.Equal(InvalidPatternException.MessagePrefix + reason, error.Message);
        Assert.Equal(reason, error.Reason);
        Assert.Equal(pointer, error.Pointer);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"a":["x"],}""")]
    [InlineData("""{"a":["x"]} // comment""")]
    [InlineData("")]
    public void Malformed_json_is_rejected_not_thrown_as_another_exception(string pattern)
    {
        var error = Rejects(pattern);
        Assert.StartsWith(InvalidPatternException.MessagePrefix + "Malformed JSON", error.Message);
        Assert.Throws<InvalidPatternException>(() => PatternCompiler.Compile(pattern));
    }

    [Fact]
    public void Repeating_sequences_after_a_wildcard_are_allowed_within_the_limit()
    {
        Assert.NotNull(PatternCompiler.Compile("""{"f":[{"wildcard":"/Users/*/dir/dir/dir/dir/dir/doc.txt"}]}"""));
        Assert.NotNull(PatternCompiler.Compile("""{"f":[{"wildcard":"arn:aws:*:*:*:*/*"}]}"""));
        Rejects("""{"f":[{"wildcard":"*aaaaaaaaaaaa"}]}""");
    }

    [Fact]
    public void Wildcard_complexity_is_also_capped_per_rule()
    {
        var many = string.Join(",", Enumerable.Range(0, 25).Select(i => $$$"""{"wildcard":"*/{{{i}}}/*"}"""));
        var error = Rejects($$$"""{"f":[{{{many}}}]}""");
        Assert.Equal(InvalidPatternException.MessagePrefix + Wildcard.TooComplexReason, error.Message);
        var few = string.Join(",", Enumerable.Range(0, 10).Select(i => $$$"""{"wildcard":"*/{{{i}}}/*"}"""));
        Assert.NotNull(PatternCompiler.Compile($$$"""{"f":[{{{few}}}]}"""));
    }

    [Fact]
    public void Or_expansion_is_capped()
    {
        var alternatives = string.Join(",", Enumerable.Range(0, 32).Select(i => $$"""{"a{{i}}":["x"]}"""));
        var pattern = $$$"""{"$or":[{{{alternatives}}}],"b":{"$or":[{{{alternatives}}}]}}""";
        var error = Rejects(pattern);
        Assert.StartsWith(InvalidPatternException.MessagePrefix + "Rule is too complex", error.Message);
    }

    [Fact]
    public void Reserved_names_are_ordinary_fields_outside_or() => Match("""{"prefix":["x"]}""", """{"prefix":"x"}""");

    [Fact]
    public void Canonical_json_joins_paths_sorts_fields_and_recompiles_to_the_same_text()
    {
        var pattern = PatternCompiler.Compile("""{"source":["b","a","a"],"detail":{"n":[{"numeric":[">",3.0e2,"<=",5e2]}],"x":[{"exists":false}]}}""");
        Assert.Equal("""{"detail.n":[{"numeric":[">",300,"<=",500]}],"detail.x":[{"exists":false}],"source":["a","b"]}""", pattern.Json);
        Assert.Equal(pattern.Json, PatternCompiler.Compile(pattern.Json).Json);
    }
}
