using static Contrail.Tests.Patterns.PatternAssert;

namespace Contrail.Tests.Patterns;

/// <summary>How the shape of an event (nesting, arrays, dotted names, full EventBridge envelopes) affects matching.</summary>
public sealed class EventShapeTests
{
    [Fact]
    public void Array_in_event_matches_when_any_element_matches()
    {
        Match("""{"resources":["arn:b"]}""", """{"resources":["arn:a","arn:b"]}""");
        NoMatch("""{"resources":["arn:c"]}""", """{"resources":["arn:a","arn:b"]}""");
    }

    [Fact]
    public void Nested_arrays_are_flattened() => Match("""{"a":[3]}""", """{"a":[[1,2],[[3]]]}""");

    [Fact]
    public void Empty_array_has_no_values() => NoMatch("""{"a":[null]}""", """{"a":[]}""");

    [Fact]
    public void Array_of_objects_matches_a_field_inside_any_element() =>
        Match("""{"d":{"items":{"id":[{"exists":true}]}}}""", """{"d":{"items":[{"k":1},{"id":"x"}]}}""");

    [Fact]
    public void Fields_from_an_array_of_objects_must_come_from_the_same_element()
    {
        const string pattern = """{"employees":{"first":["Anna"],"last":["Doe"]}}""";
        NoMatch(pattern, """{"employees":[{"first":"John","last":"Doe"},{"first":"Anna","last":"Smith"}]}""");
        Match(pattern, """{"employees":[{"first":"John","last":"Doe"},{"first":"Anna","last":"Doe"}]}""");
    }

    [Fact]
    public void Large_array_of_objects_is_matched_element_by_element()
    {
        // 20,000 elements, each with every field but one wrong; only the last element has all four right.
        var elements = Enumerable.Range(0, 20_000).Select(i => $$"""{"a":"x","b":"y","c":"z","d":"{{(i == 19_999 ? "w" : "v")}}"}""");
        var evt = "{\"items\":[" + string.Join(",", elements) + "]}";
        var pattern = Contrail.Patterns.PatternCompiler.Compile("""{"items":{"a":["x"],"b":["y"],"c":["z"],"d":["w"]}}""");
        Assert.True(pattern.Matches(System.Text.Encoding.UTF8.GetBytes(evt)));
        Assert.False(pattern.Matches(System.Text.Encoding.UTF8.GetBytes(evt.Replace("\"w\"", "\"v\""))));
    }

    [Fact]
    public void Fields_from_different_arrays_combine_freely() =>
        Match("""{"a":{"x":[1]},"b":{"y":[2]}}""", """{"a":[{"x":0},{"x":1}],"b":[{"y":2},{"y":3}]}""");

    [Fact]
    public void Nested_arrays_of_objects_keep_element_consistency()
    {
        const string pattern = """{"o":{"i":{"p":[1],"q":[2]}}}""";
        Match(pattern, """{"o":[{"i":[{"p":1,"q":2}]}]}""");
        NoMatch(pattern, """{"o":[{"i":[{"p":1},{"q":2}]}]}""");
        NoMatch(pattern, """{"o":[{"i":[{"p":1}]},{"i":[{"q":2}]}]}""");
    }

    [Fact]
    public void Exists_false_inside_an_array_of_objects_looks_at_the_chosen_element()
    {
        // "a.c" is walked before "a.z": once c = "y" fixed element 1, z is absent from that element.
        Match("""{"a":{"c":["y"],"z":[{"exists":false}]}}""", """{"a":[{"c":"x","z":1},{"c":"y"}]}""");
        NoMatch("""{"a":{"c":["y"],"z":[{"exists":false}]}}""", """{"a":[{"c":"x"},{"c":"y","z":1}]}""");
        // Without a field fixing the element, absence means no element has the field.
        NoMatch("""{"a":{"z":[{"exists":false}]}}""", """{"a":[{"c":"x","z":1},{"c":"y"}]}""");
    }

    [Fact]
    public void Nested_object_paths_and_dotted_names_are_the_same_field()
    {
        Match("""{"detail":{"state":{"status":["running"]}}}""", """{"detail":{"state.status":"running"}}""");
        Match("""{"detail":{"state.status":["running"]}}""", """{"detail":{"state":{"status":"running"}}}""");
        NoMatch("""{"detail":{"state":{"status":["running"]}}}""", """{"detail":{"state.status":{"status":"running"}}}""");
    }

    [Fact]
    public void Field_names_are_case_sensitive() => NoMatch("""{"MY_KEY":["v"]}""", """{"my_key":"v"}""");

    [Fact]
    public void A_string_holding_json_is_not_an_object() => NoMatch("""{"detail":{"k":["v"]}}""", """{"detail":"{\"k\":\"v\"}"}""");

    [Fact]
    public void Pattern_sees_the_whole_eventbridge_envelope()
    {
        const string evt = """
            {"version":"0","id":"6a7e8feb","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2",
             "account":"111122223333","time":"2017-12-22T18:43:48Z","region":"us-west-1",
             "resources":["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
             "detail":{"instance-id":"i-1234567890abcdef0","state":"terminated"}}
            """;
        Match("""{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["terminated"]}}""", evt);
        Match("""{"account":["111122223333"],"region":[{"prefix":"us-"}],"resources":[{"suffix":"abcdef0"}],"version":["0"]}""", evt);
        NoMatch("""{"source":["aws.ec2"],"detail":{"state":["running"]}}""", evt);
    }

    [Fact]
    public void Duplicate_keys_in_a_pattern_keep_the_last_one()
    {
        Match("""{"a":[{"prefix":"us-"}],"a":[{"anything-but":"us-east"}]}""", """{"a":"eu-central-1"}""");
        NoMatch("""{"a":["x"],"a":["y"]}""", """{"a":"x"}""");
    }

    [Fact]
    public void Event_that_is_not_an_object_matches_nothing()
    {
        var pattern = Contrail.Patterns.PatternCompiler.Compile("""{"a":[{"exists":false}]}""");
        Assert.False(pattern.Matches("[1,2]"u8));
        Assert.False(pattern.Matches("\"text\""u8));
        Assert.True(pattern.Matches("{}"u8));
    }

    [Fact]
    public void Malformed_event_bytes_throw_and_report_nothing()
    {
        var matcher = new Contrail.Patterns.MatcherBuilder<int>().Add(1, Contrail.Patterns.PatternCompiler.Compile("""{"a":["x"]}""")).Build();
        var matches = new List<int>();
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => matcher.Match("""{"a":"x","b":"""u8, matches));
        Assert.Empty(matches);
        matcher.Match("""{"a":"x"}"""u8, matches);
        Assert.Equal([1], matches);
    }
}
