using static Contrail.Tests.Patterns.PatternAssert;

namespace Contrail.Tests.Patterns;

/// <summary>One test per behaviour of each operator of the pattern language.</summary>
public sealed class OperatorTests
{
    [Fact]
    public void Exact_string_matches_only_the_same_string()
    {
        Match("""{"source":["aws.ec2"]}""", """{"source":"aws.ec2"}""");
        NoMatch("""{"source":["aws.ec2"]}""", """{"source":"aws.ec2 "}""");
    }

    [Fact]
    public void Exact_string_is_case_sensitive() => NoMatch("""{"source":["aws.ec2"]}""", """{"source":"AWS.EC2"}""");

    [Fact]
    public void Several_values_in_a_field_are_alternatives() => Match("""{"source":["a","b","c"]}""", """{"source":"b"}""");

    [Fact]
    public void Every_field_of_a_pattern_must_match()
    {
        Match("""{"source":["a"],"detail-type":["t"]}""", """{"source":"a","detail-type":"t"}""");
        NoMatch("""{"source":["a"],"detail-type":["t"]}""", """{"source":"a","detail-type":"u"}""");
    }

    [Fact]
    public void Fields_not_named_by_the_pattern_are_ignored() => Match("""{"source":["a"]}""", """{"source":"a","other":{"deep":[1,2,{"x":3}]}}""");

    [Fact]
    public void Empty_string_matches_only_an_empty_string()
    {
        Match("""{"a":[""]}""", """{"a":""}""");
        NoMatch("""{"a":[""]}""", """{"a":null}""");
        NoMatch("""{"a":[""]}""", """{}""");
    }

    [Fact]
    public void Null_matches_null_but_not_the_string_null_nor_a_missing_field()
    {
        Match("""{"a":[null]}""", """{"a":null}""");
        NoMatch("""{"a":[null]}""", """{"a":"null"}""");
        NoMatch("""{"a":[null]}""", """{}""");
        NoMatch("""{"a":["null"]}""", """{"a":null}""");
    }

    [Fact]
    public void Booleans_match_booleans_not_strings()
    {
        Match("""{"a":[true]}""", """{"a":true}""");
        NoMatch("""{"a":[true]}""", """{"a":"true"}""");
        NoMatch("""{"a":[false]}""", """{"a":true}""");
    }

    [Fact]
    public void Number_in_a_string_is_not_a_number()
    {
        NoMatch("""{"a":[5]}""", """{"a":"5"}""");
        NoMatch("""{"a":["5"]}""", """{"a":5}""");
        NoMatch("""{"a":[{"numeric":["=",5]}]}""", """{"a":"5"}""");
    }

    [Fact]
    public void Exact_number_compares_by_value_not_text()
    {
        Match("""{"a":[35]}""", """{"a":3.5e1}""");
        Match("""{"a":[300]}""", """{"a":300.000}""");
        Match("""{"a":[-0.5]}""", """{"a":-5E-1}""");
        NoMatch("""{"a":[300]}""", """{"a":300.000001}""");
    }

    [Fact]
    public void Exact_number_outside_the_comparable_range_compares_by_text()
    {
        // An AWS account number as a JSON number: beyond 5e9, so only the literal text can match.
        Match("""{"account":[123456789012]}""", """{"account":123456789012}""");
        NoMatch("""{"account":[123456789012]}""", """{"account":1.23456789012e11}""");
    }

    [Fact]
    public void Numeric_equals_compares_by_value_not_text()
    {
        Match("""{"a":[{"numeric":["=",35]}]}""", """{"a":3.5e1}""");
        Match("""{"a":[{"numeric":["=",3.018e2]}]}""", """{"a":301.8}""");
    }

    [Fact]
    public void Numeric_bounds_are_open_or_closed_as_written()
    {
        const string pattern = """{"a":[{"numeric":[">",0,"<=",5]}]}""";
        NoMatch(pattern, """{"a":0}""");
        Match(pattern, """{"a":0.000001}""");
        Match(pattern, """{"a":5}""");
        NoMatch(pattern, """{"a":5.000001}""");
        Match("""{"a":[{"numeric":[">=",0,"<",5]}]}""", """{"a":0}""");
        NoMatch("""{"a":[{"numeric":[">=",0,"<",5]}]}""", """{"a":5}""");
        Match("""{"a":[{"numeric":["<",-1]}]}""", """{"a":-1.5}""");
    }

    [Fact]
    public void Numeric_range_covers_the_whole_allowed_range()
    {
        Match("""{"a":[{"numeric":[">=",-5e9,"<=",5e9]}]}""", """{"a":-5000000000}""");
        Match("""{"a":[{"numeric":[">=",-5e9,"<=",5e9]}]}""", """{"a":5000000000}""");
        // Beyond the range an event number is not comparable, so no range matches it.
        NoMatch("""{"a":[{"numeric":[">",0]}]}""", """{"a":5000000001}""");
    }

    [Fact]
    public void Numeric_precision_is_six_decimal_places()
    {
        Match("""{"a":[{"numeric":["=",0.000001]}]}""", """{"a":1e-6}""");
        Match("""{"a":[{"numeric":[">",0]}]}""", """{"a":0.000001}""");
        // A seventh decimal makes the event value incomparable rather than silently rounded.
        NoMatch("""{"a":[{"numeric":[">",0]}]}""", """{"a":0.0000001}""");
        Match("""{"a":[{"numeric":["=",1.5]}]}""", """{"a":1.500000000000}""");
        Match("""{"a":[{"numeric":["=",4999999999.999999]}]}""", """{"a":4999999999.999999}""");
        NoMatch("""{"a":[{"numeric":["=",4999999999.999999]}]}""", """{"a":4999999999.999998}""");
    }

    [Fact]
    public void Numeric_does_not_match_null_strings_or_missing_fields()
    {
        NoMatch("""{"a":[{"numeric":[">",0]}]}""", """{"a":null}""");
        NoMatch("""{"a":[{"numeric":[">",0]}]}""", """{"a":"10"}""");
        NoMatch("""{"a":[{"numeric":[">",0]}]}""", """{}""");
    }

    [Fact]
    public void Prefix_matches_strings_that_start_with_it()
    {
        Match("""{"a":[{"prefix":"us-"}]}""", """{"a":"us-east-1"}""");
        NoMatch("""{"a":[{"prefix":"us-"}]}""", """{"a":"eu-us-1"}""");
        NoMatch("""{"a":[{"prefix":"1"}]}""", """{"a":12}""");
    }

    [Fact]
    public void Empty_prefix_matches_any_string_but_not_other_types()
    {
        Match("""{"a":[{"prefix":""}]}""", """{"a":""}""");
        Match("""{"a":[{"prefix":""}]}""", """{"a":"x"}""");
        NoMatch("""{"a":[{"prefix":""}]}""", """{"a":null}""");
        NoMatch("""{"a":[{"prefix":""}]}""", """{"a":0}""");
    }

    [Fact]
    public void Suffix_matches_strings_that_end_with_it()
    {
        Match("""{"a":[{"suffix":".png"}]}""", """{"a":"x.png"}""");
        NoMatch("""{"a":[{"suffix":".png"}]}""", """{"a":"x.png.bak"}""");
        NoMatch("""{"a":[{"suffix":".png"}]}""", """{"a":"x.PNG"}""");
    }

    [Fact]
    public void Prefix_and_suffix_ignoring_case()
    {
        Match("""{"a":[{"prefix":{"equals-ignore-case":"EventB"}}]}""", """{"a":"eventbridge"}""");
        Match("""{"a":[{"suffix":{"equals-ignore-case":"tBridge"}}]}""", """{"a":"EVENTBRIDGE"}""");
        NoMatch("""{"a":[{"suffix":{"equals-ignore-case":"tBridge"}}]}""", """{"a":"EVENTBRIDGES"}""");
    }

    [Fact]
    public void Equals_ignore_case_folds_unicode_letters()
    {
        Match("""{"a":[{"equals-ignore-case":"été"}]}""", """{"a":"ÉTÉ"}""");
        Match("""{"a":[{"equals-ignore-case":"ΟΔΟΣ"}]}""", """{"a":"οδοσ"}""");
        Match("""{"a":[{"equals-ignore-case":"Straße"}]}""", """{"a":"STRAßE"}""");
        // Simple one-to-one folding: "ß" is not "SS".
        NoMatch("""{"a":[{"equals-ignore-case":"Straße"}]}""", """{"a":"STRASSE"}""");
        NoMatch("""{"a":[{"equals-ignore-case":"abc"}]}""", """{"a":"abcd"}""");
    }

    [Fact]
    public void Unicode_values_match_byte_for_byte_including_escapes()
    {
        Match("""{"a":["🚀 ünïcode"]}""", """{"a":"\ud83d\ude80 \u00fcn\u00efcode"}""");
        Match("""{"a":[{"prefix":"🚀"}]}""", """{"a":"🚀 launch"}""");
        Match("""{"a":[{"suffix":"ïcode"}]}""", """{"a":"ünïcode"}""");
    }

    [Fact]
    public void Escaped_field_names_are_the_same_field() => Match("""{"source":["a"]}""", """{"sour\u0063e":"a"}""");

    [Fact]
    public void Wildcard_star_matches_any_run_of_characters()
    {
        const string pattern = """{"a":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]}""";
        Match(pattern, """{"a":"arn:aws:events:us-east-1:123456789012:event-bus/default"}""");
        Match(pattern, """{"a":"arn:aws:events:us-east-1::event-bus/"}""");
        NoMatch(pattern, """{"a":"arn:aws:events:us-west-2:123456789012:event-bus/default"}""");
        Match("""{"a":[{"wildcard":"*.png"}]}""", """{"a":".png"}""");
        Match("""{"a":[{"wildcard":"dir/*/file*"}]}""", """{"a":"dir/a/b/file"}""");
        NoMatch("""{"a":[{"wildcard":"*a*b"}]}""", """{"a":"ba"}""");
    }

    [Fact]
    public void Wildcard_escapes_make_stars_and_backslashes_literal()
    {
        Match("""{"a":[{"wildcard":"a\\*b"}]}""", """{"a":"a*b"}""");
        NoMatch("""{"a":[{"wildcard":"a\\*b"}]}""", """{"a":"axb"}""");
        Match("""{"a":[{"wildcard":"a\\\\*"}]}""", """{"a":"a\\tail"}""");
    }

    [Fact]
    public void Wildcard_without_star_is_an_exact_match_and_does_not_match_numbers()
    {
        Match("""{"a":[{"wildcard":"abc"}]}""", """{"a":"abc"}""");
        NoMatch("""{"a":[{"wildcard":""}]}""", """{"a":"abc"}""");
        NoMatch("""{"a":[{"wildcard":"1*"}]}""", """{"a":12}""");
    }

    [Fact]
    public void Anything_but_matches_present_values_of_any_other_kind()
    {
        Match("""{"a":[{"anything-but":"x"}]}""", """{"a":"y"}""");
        NoMatch("""{"a":[{"anything-but":"x"}]}""", """{"a":"x"}""");
        Match("""{"a":[{"anything-but":"x"}]}""", """{"a":null}""");
        Match("""{"a":[{"anything-but":"5"}]}""", """{"a":5}""");
        Match("""{"a":[{"anything-but":5}]}""", """{"a":"5"}""");
        Match("""{"a":[{"anything-but":"true"}]}""", """{"a":true}""");
    }

    [Fact]
    public void Anything_but_does_not_match_missing_field() => NoMatch("""{"a":[{"anything-but":"x"}]}""", """{"b":"y"}""");

    [Fact]
    public void Anything_but_list_does_not_match_missing_field() => NoMatch("""{"a":[{"anything-but":["x","y"]}]}""", """{}""");

    [Fact]
    public void Anything_but_list_excludes_every_listed_value()
    {
        NoMatch("""{"a":[{"anything-but":["x","y"]}]}""", """{"a":"y"}""");
        Match("""{"a":[{"anything-but":["x","y"]}]}""", """{"a":"z"}""");
    }

    [Fact]
    public void Anything_but_numbers_compare_by_value()
    {
        NoMatch("""{"a":[{"anything-but":[100,200]}]}""", """{"a":2e2}""");
        Match("""{"a":[{"anything-but":[100,200]}]}""", """{"a":200.5}""");
        Match("""{"a":[{"anything-but":0}]}""", """{"a":789}""");
    }

    [Fact]
    public void Anything_but_prefix_suffix_ignore_case_and_wildcard()
    {
        NoMatch("""{"a":[{"anything-but":{"prefix":"init"}}]}""", """{"a":"initializing"}""");
        Match("""{"a":[{"anything-but":{"prefix":"init"}}]}""", """{"a":"running"}""");
        Match("""{"a":[{"anything-but":{"prefix":"init"}}]}""", """{"a":12}""");
        NoMatch("""{"a":[{"anything-but":{"suffix":[".png",".jpg"]}}]}""", """{"a":"x.jpg"}""");
        NoMatch("""{"a":[{"anything-but":{"equals-ignore-case":["Stopped","x"]}}]}""", """{"a":"STOPPED"}""");
        Match("""{"a":[{"anything-but":{"equals-ignore-case":"Stopped"}}]}""", """{"a":"STOPPEDX"}""");
        NoMatch("""{"a":[{"anything-but":{"wildcard":"*/lib/*"}}]}""", """{"a":"/usr/lib/x"}""");
        Match("""{"a":[{"anything-but":{"wildcard":"*/lib/*"}}]}""", """{"a":"/usr/bin/x"}""");
        NoMatch("""{"a":[{"anything-but":{"wildcard":"*/lib/*"}}]}""", """{}""");
    }

    [Fact]
    public void Anything_but_on_an_array_matches_when_any_element_is_not_excluded()
    {
        Match("""{"a":[{"anything-but":["x"]}]}""", """{"a":["x","y"]}""");
        NoMatch("""{"a":[{"anything-but":["x"]}]}""", """{"a":["x","x"]}""");
    }

    [Fact]
    public void Cidr_matches_ipv4_addresses_in_the_block()
    {
        Match("""{"ip":[{"cidr":"10.0.0.0/24"}]}""", """{"ip":"10.0.0.255"}""");
        NoMatch("""{"ip":[{"cidr":"10.0.0.0/24"}]}""", """{"ip":"10.0.1.0"}""");
        NoMatch("""{"ip":[{"cidr":"10.0.0.0/24"}]}""", """{"ip":"10.0.0.256"}""");
        NoMatch("""{"ip":[{"cidr":"10.0.0.0/24"}]}""", """{"ip":"010.0.0.1"}""");
        Match("""{"ip":[{"cidr":"0.0.0.0/0"}]}""", """{"ip":"255.255.255.255"}""");
        Match("""{"ip":[{"cidr":"10.0.0.7/32"}]}""", """{"ip":"10.0.0.7"}""");
    }

    [Fact]
    public void Cidr_matches_ipv6_addresses_written_any_way()
    {
        Match("""{"ip":[{"cidr":"2001:db8:1234:1a00::/64"}]}""", """{"ip":"2001:0db8:1234:1a00:0000:0000:0000:0001"}""");
        Match("""{"ip":[{"cidr":"2001:db8::/32"}]}""", """{"ip":"2001:DB8:ffff::1"}""");
        NoMatch("""{"ip":[{"cidr":"2001:db8::/32"}]}""", """{"ip":"2001:db9::1"}""");
        NoMatch("""{"ip":[{"cidr":"2001:db8::/32"}]}""", """{"ip":"10.0.0.1"}""");
        NoMatch("""{"ip":[{"cidr":"10.0.0.0/8"}]}""", """{"ip":"::ffff:10.0.0.1x"}""");
    }

    [Fact]
    public void Exact_ip_address_matches_the_same_address_written_differently() =>
        Match("""{"ip":["2001:db8::1"]}""", """{"ip":"2001:0db8:0000:0000:0000:0000:0000:0001"}""");

    [Fact]
    public void Exists_true_needs_a_leaf_value_null_included()
    {
        Match("""{"a":[{"exists":true}]}""", """{"a":"x"}""");
        Match("""{"a":[{"exists":true}]}""", """{"a":null}""");
        NoMatch("""{"a":[{"exists":true}]}""", """{"a":{"b":1}}""");
        NoMatch("""{"a":[{"exists":true}]}""", """{"a":[]}""");
        NoMatch("""{"a":[{"exists":true}]}""", """{}""");
    }

    [Fact]
    public void Exists_false_matches_missing_fields_empty_arrays_and_objects()
    {
        Match("""{"a":[{"exists":false}]}""", """{}""");
        Match("""{"a":[{"exists":false}]}""", """{"a":[]}""");
        Match("""{"a":[{"exists":false}]}""", """{"a":{"b":1}}""");
        NoMatch("""{"a":[{"exists":false}]}""", """{"a":null}""");
        NoMatch("""{"a":[{"exists":false}]}""", """{"a":""}""");
    }

    [Fact]
    public void Exists_false_or_a_value_test_in_one_field()
    {
        const string pattern = """{"a":[{"exists":false},{"anything-but":"roses"}]}""";
        Match(pattern, """{}""");
        Match(pattern, """{"a":"tulips"}""");
        NoMatch(pattern, """{"a":"roses"}""");
    }

    [Fact]
    public void Or_at_the_top_level()
    {
        const string pattern = """{"$or":[{"a":["1"]},{"b":["2"]}]}""";
        Match(pattern, """{"a":"1"}""");
        Match(pattern, """{"b":"2"}""");
        NoMatch(pattern, """{"a":"2","b":"1"}""");
    }

    [Fact]
    public void Or_nested_inside_an_object_combines_with_sibling_fields()
    {
        const string pattern = """{"source":["s"],"detail":{"$or":[{"x":[1]},{"y":[{"prefix":"p"}]}],"z":[true]}}""";
        Match(pattern, """{"source":"s","detail":{"x":1,"z":true}}""");
        Match(pattern, """{"source":"s","detail":{"y":"pq","z":true}}""");
        NoMatch(pattern, """{"source":"s","detail":{"y":"pq","z":false}}""");
        NoMatch(pattern, """{"source":"t","detail":{"x":1,"z":true}}""");
    }

    [Fact]
    public void Or_inside_or_multiplies_the_alternatives()
    {
        const string pattern = """{"$or":[{"a":["1"]},{"$or":[{"b":["2"]},{"c":["3"],"d":["4"]}]}]}""";
        Match(pattern, """{"c":"3","d":"4"}""");
        Match(pattern, """{"b":"2"}""");
        NoMatch(pattern, """{"c":"3"}""");
    }

    [Fact]
    public void Two_ors_in_one_object_are_both_required()
    {
        const string pattern = """{"$or":[{"a":["1"]},{"b":["1"]}],"x":{"$or":[{"c":["1"]},{"d":["1"]}]}}""";
        Match(pattern, """{"b":"1","x":{"c":"1"}}""");
        NoMatch(pattern, """{"b":"1","x":{"e":"1"}}""");
    }
}
