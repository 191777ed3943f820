using Contrail.Workflows.Asl;

namespace Contrail.Tests.Workflows;

/// <summary>The validator rejects what AWS rejects at creation and lists every problem with a state name and JSON pointer.</summary>
public sealed class AslValidationTests
{
    [Fact]
    public void Every_problem_is_listed_with_its_state_and_pointer()
    {
        var ex = Assert.Throws<AslValidationException>(() => AslDefinition.Parse("""
        { "StartAt": "A", "States": {
          "A": { "Type": "Pass", "Next": "Nowhere", "ResultSelector": { "x.$": "$.y" } },
          "B": { "Type": "Task", "Resource": "arn:aws:states:::dynamodb:query", "End": true },
          "C": { "Type": "Wait", "Seconds": 1, "Timestamp": "2024-01-01T00:00:00Z", "End": true } } }
        """));
        var problems = ex.Problems;
        Assert.Contains(problems, p => p.StateName == "A" && p.Pointer == "/States/A/ResultSelector" && p.Message.Contains("\"ResultSelector\""));
        Assert.Contains(problems, p => p.StateName == "A" && p.Pointer == "/States/A/Next" && p.Message.Contains("Nowhere"));
        Assert.Contains(problems, p => p.StateName == "B" && p.Pointer == "/States/B/Resource" && p.Message.Contains("not recognized"));
        Assert.Contains(problems, p => p.StateName == "C" && p.Pointer == "/States/C" && p.Message.Contains("exactly one of"));
        Assert.Contains(problems, p => p.StateName == "B" && p.Message.Contains("not reachable"));
        Assert.Contains(problems, p => p.StateName == "C" && p.Message.Contains("not reachable"));
        Assert.True(problems.Count >= 6);
    }

    [Theory]
    [InlineData("""{"Type":"Task","Resource":"contrail:function:f","End":true,"Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["X"]}]}""", "last retrier")]
    [InlineData("""{"Type":"Task","Resource":"contrail:function:f","End":true,"Catch":[{"ErrorEquals":["States.ALL","X"],"Next":"S"}]}""", "alone")]
    [InlineData("""{"Type":"Task","Resource":"contrail:function:f","End":true,"Retry":[{"ErrorEquals":["X"],"BackoffRate":0.5}]}""", "BackoffRate")]
    [InlineData("""{"Type":"Task","Resource":"contrail:function:f","End":true,"TimeoutSeconds":5,"HeartbeatSeconds":5}""", "HeartbeatSeconds must be smaller")]
    [InlineData("""{"Type":"Pass","End":true,"Parameters":{"a.$":"States.Format('{}', $.x"}}""", "intrinsic")]
    [InlineData("""{"Type":"Pass","End":true,"Parameters":{"a.$":"States.Nope($.x)"}}""", "not a known intrinsic")]
    [InlineData("""{"Type":"Pass","End":true,"Parameters":{"a.$":"States.ArrayGetItem($.x)"}}""", "takes 2 argument")]
    [InlineData("""{"Type":"Pass","End":true,"Parameters":{"a.$":"States.Format('\\\"', $.x)"}}""", "escape")]
    [InlineData("""{"Type":"Pass","End":true,"ResultPath":"$.a[*]"}""", "reference path")]
    [InlineData("""{"Type":"Pass","End":true,"InputPath":"States.Format('x')"}""", "InputPath")]
    [InlineData("""{"Type":"Pass","End":true,"Assign":{"1bad":1}}""", "variable name")]
    [InlineData("""{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":"1","Next":"S"}]}""", "must be a number")]
    [InlineData("""{"Type":"Choice","Choices":[{"Variable":"$.a","TimestampEquals":"yesterday","Next":"S"}]}""", "RFC3339")]
    [InlineData("""{"Type":"Choice","Choices":[{"And":[{"Variable":"$.a","IsNull":true,"Next":"S"}],"Next":"S"}]}""", "top-level choice rule")]
    [InlineData("""{"Type":"Choice","Choices":[{"Variable":"$.a","Next":"S"}]}""", "exactly one comparison")]
    [InlineData("""{"Type":"Wait","Timestamp":"2016-03-14 01:59:00Z","End":true}""", "RFC3339")]
    [InlineData("""{"Type":"Map","End":true,"ItemsPath":null,"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}}}""", "\"ItemsPath\"")]
    [InlineData("""{"Type":"Map","End":true,"ToleratedFailurePercentage":101,"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}}}""", "between 0 and 100")]
    [InlineData("""{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"S","States":{"I":{"Type":"Succeed"}}}}""", "StartAt")]
    [InlineData("""{"Type":"Parallel","End":true,"Branches":[{"StartAt":"I","States":{"I":{"Type":"Pass","Next":"S"}}}]}""", "'S' is not a state in this branch")]
    [InlineData("""{"Type":"Fail","Error":"E","ErrorPath":"$.e"}""", "only one of")]
    [InlineData("""{"Type":"Succeed","Parameters":{}}""", "\"Parameters\"")]
    public void Definitions_AWS_rejects_are_rejected(string stateJson, string messagePart)
    {
        var json = $$"""{ "StartAt": "X", "States": { "X": {{stateJson}}, "S": { "Type": "Succeed" } } }""";
        var problems = AslDefinition.Validate(json);
        Assert.Contains(problems, p => p.Message.Contains(messagePart, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("contrail:function:orders-v2", TaskResourceKind.ContrailFunction, IntegrationPattern.RequestResponse, "orders-v2", null)]
    [InlineData("arn:aws:lambda:eu-west-1:123456789012:function:fn", TaskResourceKind.LambdaFunction, IntegrationPattern.RequestResponse, "fn", null)]
    [InlineData("arn:aws:lambda:eu-west-1:123456789012:function:fn:live", TaskResourceKind.LambdaFunction, IntegrationPattern.RequestResponse, "fn", "live")]
    [InlineData("arn:aws:states:::lambda:invoke", TaskResourceKind.LambdaInvoke, IntegrationPattern.RequestResponse, null, null)]
    [InlineData("arn:aws:states:::lambda:invoke.waitForTaskToken", TaskResourceKind.LambdaInvoke, IntegrationPattern.WaitForTaskToken, null, null)]
    [InlineData("arn:aws:states:::sqs:sendMessage", TaskResourceKind.SqsSendMessage, IntegrationPattern.RequestResponse, null, null)]
    [InlineData("arn:aws:states:::events:putEvents.waitForTaskToken", TaskResourceKind.EventsPutEvents, IntegrationPattern.WaitForTaskToken, null, null)]
    [InlineData("arn:aws:states:::states:startExecution", TaskResourceKind.StatesStartExecution, IntegrationPattern.RequestResponse, null, null)]
    [InlineData("arn:aws:states:::states:startExecution.sync", TaskResourceKind.StatesStartExecution, IntegrationPattern.Sync, null, null)]
    [InlineData("arn:aws:states:::states:startExecution.sync:2", TaskResourceKind.StatesStartExecution, IntegrationPattern.Sync2, null, null)]
    [InlineData("arn:aws:states:us-east-1:1:activity:work", TaskResourceKind.Activity, IntegrationPattern.RequestResponse, null, null)]
    public void Resources_resolve_to_their_targets(string resource, TaskResourceKind kind, IntegrationPattern pattern, string? function, string? qualifier)
    {
        var resolved = TaskResource.TryResolve(resource, out var error);
        Assert.NotNull(resolved);
        Assert.Null(error);
        Assert.Equal(kind, resolved.Kind);
        Assert.Equal(pattern, resolved.Pattern);
        Assert.Equal(function, resolved.FunctionName);
        Assert.Equal(qualifier, resolved.Qualifier);
    }

    [Theory]
    [InlineData("arn:aws:states:::dynamodb:query")]
    [InlineData("arn:aws:states:::lambda:invoke.sync")]
    [InlineData("arn:aws:states:::sqs:receiveMessage")]
    [InlineData("arn:aws:s3:::bucket")]
    [InlineData("foo:bar")]
    [InlineData("contrail:function:")]
    public void Unknown_resources_are_rejected(string resource)
    {
        Assert.Null(TaskResource.TryResolve(resource, out var error));
        Assert.NotNull(error);
        var problems = AslDefinition.Validate($$"""{ "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "{{resource}}", "End": true } } }""");
        Assert.Contains(problems, p => p.Pointer == "/States/T/Resource");
    }

    [Fact]
    public void The_specification_policy_accepts_any_URI_resource()
    {
        var json = """{ "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "foo:bar", "End": true } } }""";
        var def = AslDefinition.Parse(json, new AslParseOptions { Resources = AslResourcePolicy.AnyUri });
        Assert.Equal(TaskResourceKind.Other, ((TaskStateNode)def.Root.States["T"]).Resource.Kind);
    }

    [Theory]
    [InlineData("arn:aws:states:::lambda:invoke.waitForTaskToken", "waitForTaskToken")]
    [InlineData("arn:aws:states:::states:startExecution.sync", ".sync")]
    [InlineData("arn:aws:states:us-east-1:1:activity:a", "Activity")]
    public void Express_machines_reject_callbacks_sync_and_activities(string resource, string messagePart)
    {
        var json = $$"""{ "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "{{resource}}", "End": true } } }""";
        Assert.Empty(AslDefinition.Validate(json));
        var problems = AslDefinition.Validate(json, new AslParseOptions { Type = AslStateMachineType.Express });
        Assert.Contains(problems, p => p.Message.Contains(messagePart, StringComparison.Ordinal));
    }

    [Fact]
    public void State_names_must_be_unique_across_branches()
    {
        var problems = AslDefinition.Validate("""
        { "StartAt": "P", "States": { "P": { "Type": "Parallel", "End": true, "Branches": [
          { "StartAt": "Same", "States": { "Same": { "Type": "Succeed" } } },
          { "StartAt": "Same", "States": { "Same": { "Type": "Succeed" } } } ] } } }
        """);
        Assert.Contains(problems, p => p.StateName == "Same" && p.Message.Contains("more than once"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{}")]
    public void Non_definitions_are_rejected(string text) => Assert.NotEmpty(AslDefinition.Validate(text));

    [Fact]
    public void A_valid_definition_with_every_state_type_parses()
    {
        var def = AslDefinition.Parse("""
        { "Comment": "all types", "TimeoutSeconds": 60, "StartAt": "Pass", "States": {
          "Pass": { "Type": "Pass", "Result": { "items": [1, 2] }, "Next": "Task" },
          "Task": { "Type": "Task", "Resource": "contrail:function:f", "Retry": [ { "ErrorEquals": ["States.TaskFailed"], "JitterStrategy": "FULL", "MaxDelaySeconds": 5 } ],
                    "Catch": [ { "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Fail" } ], "Next": "Choice" },
          "Choice": { "Type": "Choice", "Choices": [ { "Or": [ { "Variable": "$.x", "IsPresent": false }, { "Variable": "$.s", "StringMatches": "a*" } ], "Next": "Wait" } ], "Default": "Succeed" },
          "Wait": { "Type": "Wait", "TimestampPath": "$.when", "Next": "Parallel" },
          "Parallel": { "Type": "Parallel", "Branches": [ { "StartAt": "B", "States": { "B": { "Type": "Pass", "End": true } } } ], "Next": "Map" },
          "Map": { "Type": "Map", "ItemsPath": "$[0].items", "MaxConcurrencyPath": "$[0].n", "ItemSelector": { "v.$": "$$.Map.Item.Value" },
                   "ItemProcessor": { "ProcessorConfig": { "Mode": "INLINE" }, "StartAt": "I", "States": { "I": { "Type": "Pass", "End": true } } }, "Next": "Succeed" },
          "Succeed": { "Type": "Succeed" },
          "Fail": { "Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "States.Format('failed: {}', $.error.Cause)" } } }
        """);
        Assert.Equal(3, def.Graphs.Count);
        Assert.Equal(60, def.TimeoutSeconds);
        Assert.Equal(AslStateType.Map, def.Root.States["Map"].Type);
    }
}
