using System.Text.Json.Nodes;
using Contrail.Bus;
using Contrail.Events;

namespace Contrail.Tests.Bus;

/// <summary>Input transformers with EventBridge's semantics: paths, templates (JSON, string, text), predefined variables, validation.</summary>
public sealed class TargetInputTests
{
    private static readonly DateTimeOffset Ingested = new(2025, 1, 15, 8, 0, 5, TimeSpan.Zero);

    private static readonly EventEnvelope Event = new()
    {
        Id = "7bf73129-1428-4cd3-a780-95db273d1602",
        Source = "aws.ec2",
        DetailType = "EC2 Instance State-change Notification",
        Time = new DateTimeOffset(2025, 1, 15, 8, 0, 0, TimeSpan.Zero),
        Region = "us-east-1",
        Account = "123456789012",
        Resources = ["arn:aws:ec2:us-east-1:123456789012:instance/i-0123"],
        Detail = new JsonObject
        {
            ["instance-id"] = "i-0123",
            ["state"] = "RUNNING",
            ["count"] = 5,
            ["quote"] = "say \"hi\"",
            ["tags"] = new JsonObject { ["team"] = "ops" },
            ["items"] = new JsonArray(new JsonObject { ["id"] = 1 }, new JsonObject { ["id"] = 2 }),
        },
    };

    private static readonly Rule Rule = new() { Name = "state-changes", EventPattern = new JsonObject() };

    private static string Render(RuleTarget target)
    {
        Assert.Empty(TargetInput.Validate(target, ""));
        using var context = new InputContext(Event, Event.ToJson(), Ingested);
        return TargetInput.Compile(target).Render(context, Rule);
    }

    private static RuleTarget Target(string template, Dictionary<string, string>? paths = null) =>
        new() { Id = "t", Type = "queue", Name = "q", InputTransformer = new InputTransformer { InputPathsMap = paths, InputTemplate = template } };

    private static readonly Dictionary<string, string> InstanceAndState = new() { ["instance"] = "$.detail.instance-id", ["state"] = "$.detail.state" };

    [Fact]
    public void Without_settings_the_target_gets_the_event_itself() =>
        Assert.Equal(Event.ToJson(), Render(new RuleTarget { Id = "t", Type = "queue", Name = "q" }));

    [Fact]
    public void A_string_template_makes_a_JSON_string() =>
        Assert.Equal("\"i-0123 is in state RUNNING\"", Render(Target("\"<instance> is in state <state>\"", InstanceAndState)));

    [Fact]
    public void A_text_template_makes_text() =>
        Assert.Equal("i-0123 is in state RUNNING", Render(Target("<instance> is in state <state>", InstanceAndState)));

    [Fact]
    public void In_a_JSON_template_strings_get_quotes_outside_strings_and_none_inside() =>
        Assert.Equal("""{"instance": "i-0123", "state": "RUNNING", "message": "i-0123 is in state \"RUNNING\""}""",
            Render(Target("""{"instance": <instance>, "state": "<state>", "message": "<instance> is in state \"<state>\""}""", InstanceAndState)));

    [Fact]
    public void Numbers_objects_and_arrays_go_in_as_JSON_and_inside_strings_without_quotes()
    {
        var paths = new Dictionary<string, string> { ["n"] = "$.detail.count", ["tags"] = "$.detail.tags", ["ids"] = "$.detail.items[*].id" };
        Assert.Equal("""{"n": 5, "tags": {"team":"ops"}, "ids": [1,2], "text": "5 {team:ops}"}""",
            Render(Target("""{"n": <n>, "tags": <tags>, "ids": <ids>, "text": "<n> <tags>"}""", paths)));
    }

    [Fact]
    public void A_value_with_quotes_is_escaped_so_the_output_stays_JSON()
    {
        var output = Render(Target("""{"a": <q>, "b": "said: <q>"}""", new() { ["q"] = "$.detail.quote" }));
        Assert.Equal("""{"a": "say \"hi\"", "b": "said: say \"hi\""}""", output);
        Assert.NotNull(JsonNode.Parse(output));
    }

    [Fact]
    public void A_path_the_event_lacks_is_null_as_a_value_and_empty_in_a_string() =>
        Assert.Equal("""{"a": null, "b": "[]"}""", Render(Target("""{"a": <missing>, "b": "[<missing>]"}""", new() { ["missing"] = "$.detail.nope" })));

    [Fact]
    public void Predefined_variables_name_the_rule_the_ingestion_time_and_the_event()
    {
        var output = JsonNode.Parse(Render(Target(
            """{"rule": <aws.events.rule-name>, "arn": "<aws.events.rule-arn>", "at": <aws.events.event.ingestion-time>, "event": <aws.events.event>, "full": <aws.events.event.json>}""")))!;
        Assert.Equal("state-changes", (string?)output["rule"]);
        Assert.Equal("arn:contrail:events:us-east-1:123456789012:rule/state-changes", (string?)output["arn"]);
        Assert.Equal("2025-01-15T08:00:05Z", (string?)output["at"]);
        Assert.Equal(Event.Id, (string?)output["event"]!["id"]);
        Assert.Null(output["event"]!["detail"]);
        Assert.Equal("RUNNING", (string?)output["full"]!["detail"]!["state"]);
    }

    [Theory]
    [InlineData("$.detail", """{"instance-id":"i-0123",""")]
    [InlineData("$.detail.state", "\"RUNNING\"")]
    [InlineData("$.detail.items[1].id", "2")]
    [InlineData("$.detail.items[*].id", "[1,2]")]
    [InlineData("$.resources[0]", "\"arn:aws:ec2:us-east-1:123456789012:instance/i-0123\"")]
    [InlineData("$.detail.nope", "null")]
    public void Input_path_sends_part_of_the_event(string path, string expectedStart) =>
        Assert.StartsWith(expectedStart, Render(new RuleTarget { Id = "t", Type = "queue", Name = "q", InputPath = path }));

    [Fact]
    public void A_constant_input_is_sent_as_JSON() =>
        Assert.Equal("""{"fixed":true}""", Render(new RuleTarget { Id = "t", Type = "queue", Name = "q", Input = new JsonObject { ["fixed"] = true } }));

    [Fact]
    public void Text_that_looks_like_a_placeholder_but_is_not_one_stays_inside_strings() =>
        Assert.Equal("\"a <b> c\"", Render(Target("\"a <b> c\"")));

    public static TheoryData<RuleTarget, string, string> Invalid() => new()
    {
        { new RuleTarget { Id = "t", Type = "q", Name = "q", InputPath = "$.a", Input = JsonValue.Create(1) }, "", "at most one" },
        { new RuleTarget { Id = "t", Type = "q", Name = "q", InputPath = "detail" }, "/input_path", "starting with '$'" },
        { new RuleTarget { Id = "t", Type = "q", Name = "q", InputPath = "$.a[x]" }, "/input_path", "invalid index" },
        { Target("{<state>: 1}", InstanceAndState), "/input_transformer/input_template", "object key" },
        { Target("{\"a\": <undefined>}"), "/input_transformer/input_template", "not in input_paths_map" },
        { Target("\"<aws.events.event>\""), "/input_transformer/input_template", "only be used as the value of a JSON field" },
        { Target("{\"a\": <state>", InstanceAndState), "/input_transformer/input_template", "not valid JSON" },
        { Target("\"x\"", new() { ["aws.mine"] = "$.a" }), "/input_transformer/input_paths_map/aws.mine", "reserved" },
        { Target("\"x\"", new() { ["bad name"] = "$.a" }), "/input_transformer/input_paths_map/bad name", "variable name" },
        { Target("\"x\"", new() { ["p"] = "$..a" }), "/input_transformer/input_paths_map/p", "empty name" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_input_settings_are_refused_with_a_pointer(RuleTarget target, string pointer, string detail)
    {
        var errors = TargetInput.Validate(target, "");
        Assert.Contains(errors, e => e.Pointer == pointer && e.Detail.Contains(detail, StringComparison.Ordinal));
    }
}
