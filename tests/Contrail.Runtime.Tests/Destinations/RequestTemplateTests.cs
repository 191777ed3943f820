using System.Text;
using System.Text.Json.Nodes;
using Contrail.Destinations;
using Contrail.Events;

namespace Contrail.Runtime.Tests.Destinations;

public sealed class RequestTemplateTests
{
    private static string Render(string template, string body, string type = "json")
    {
        var definition = type == "json"
            ? new RequestTemplateDefinition { Type = "json", Body = JsonNode.Parse(template) }
            : new RequestTemplateDefinition { Type = "graphql", Query = "query Q { q }", Variables = JsonNode.Parse(template) };
        var problems = new List<FieldError>();
        var compiled = RequestTemplate.Compile(definition, problems);
        Assert.Empty(problems);
        return Encoding.UTF8.GetString(compiled!.Render(body));
    }

    [Theory]
    [InlineData("""{"a":"{{$.x}}"}""", """{"x":{"y":[1,2]}}""", """{"a":{"y":[1,2]}}""")]
    [InlineData("""{"a":"{{$.x.y[1]}}"}""", """{"x":{"y":[1,2]}}""", """{"a":2}""")]
    [InlineData("""{"a":"{{$.x.y[5]}}","b":"{{$.nope.deeper}}"}""", """{"x":{"y":[1]}}""", """{"a":null,"b":null}""")]
    [InlineData("""{"a":"id={{$.id}}, n={{$.n}}, none={{$.none}}."}""", """{"id":"e-1","n":3.5}""", """{"a":"id=e-1, n=3.5, none=."}""")]
    [InlineData("""["{{$}}",true,null,7]""", """{"k":"v"}""", """[{"k":"v"},true,null,7]""")]
    [InlineData("""{"a":"{{ $ }}"}""", "plain text, not JSON", """{"a":"plain text, not JSON"}""")]
    [InlineData("""{"quote":"\"{{$.s}}\""}""", """{"s":"he said \"hi\""}""", """{"quote":"\"he said \"hi\"\""}""")]
    public void Json_templates_put_values_where_placeholders_are(string template, string body, string expected) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(Render(template, body))), Render(template, body));

    [Fact]
    public void GraphQL_templates_send_query_and_variables()
    {
        var rendered = JsonNode.Parse(Render("""{"input":"{{$}}"}""", """{"id":"1"}""", "graphql"))!;
        Assert.Equal("query Q { q }", (string?)rendered["query"]);
        Assert.Equal("""{"input":{"id":"1"}}""", rendered["variables"]!.ToJsonString());
    }

    [Theory]
    [InlineData("""{"a":"{{x}}"}""")]
    [InlineData("""{"a":"{{$..x}}"}""")]
    [InlineData("""{"a":"{{$.x[one]}}"}""")]
    [InlineData("""{"a":"{{$.x"}""")]
    [InlineData("""{"a":"{{}}"}""")]
    [InlineData("""{"a":"$.x}}"}""")]
    public void Bad_placeholders_are_refused_with_a_pointer(string template)
    {
        var problems = new List<FieldError>();
        Assert.Null(RequestTemplate.Compile(new RequestTemplateDefinition { Type = "json", Body = JsonNode.Parse(template) }, problems));
        Assert.Equal("/template/body/a", Assert.Single(problems).Pointer);
    }
}
