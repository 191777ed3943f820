namespace Contrail.Workflows.Asl;

/// <summary>What a Task state's <c>Resource</c> resolves to.</summary>
public enum TaskResourceKind
{
    /// <summary><c>contrail:function:NAME</c>: a Contrail function, invoked with the state's effective input.</summary>
    ContrailFunction,

    /// <summary><c>arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]</c>: a function invoked directly with the effective input.</summary>
    LambdaFunction,

    /// <summary><c>arn:aws:states:::lambda:invoke</c>: the function comes from <c>Parameters.FunctionName</c>; the result is the whole Invoke response.</summary>
    LambdaInvoke,

    /// <summary><c>arn:aws:states:::sqs:sendMessage</c>.</summary>
    SqsSendMessage,

    /// <summary><c>arn:aws:states:::events:putEvents</c>.</summary>
    EventsPutEvents,

    /// <summary><c>arn:aws:states:::states:startExecution</c> (with <c>.sync</c>/<c>.sync:2</c>: wait for the child).</summary>
    StatesStartExecution,

    /// <summary><c>arn:aws:states:REGION:ACCOUNT:activity:NAME</c>: an activity polled by a worker.</summary>
    Activity,

    /// <summary>Any other URI. Only produced when parsing with <see cref="AslResourcePolicy.AnyUri"/>; fails at run time unless the driver knows it.</summary>
    Other,
}

/// <summary>How the state waits for a service integration.</summary>
public enum IntegrationPattern
{
    /// <summary>Call and take the response.</summary>
    RequestResponse,

    /// <summary><c>.sync</c>: wait for the started job to finish (output as a string for startExecution).</summary>
    Sync,

    /// <summary><c>.sync:2</c>: like <c>.sync</c>, with the child output as JSON.</summary>
    Sync2,

    /// <summary><c>.waitForTaskToken</c>: pause until someone calls back with <c>$$.Task.Token</c>.</summary>
    WaitForTaskToken,
}

/// <summary>
/// A Task <c>Resource</c> resolved at parse time (not executed: the driver does that). History events use
/// <see cref="EventResource"/>/<see cref="EventResourceType"/> as AWS does (<c>invoke</c>/<c>lambda</c> for service integrations).
/// </summary>
public sealed record TaskResource
{
    public required string Raw { get; init; }
    public required TaskResourceKind Kind { get; init; }
    public IntegrationPattern Pattern { get; init; } = IntegrationPattern.RequestResponse;

    /// <summary>The function name for function resources (for <see cref="TaskResourceKind.LambdaInvoke"/> it comes from the parameters at run time).</summary>
    public string? FunctionName { get; init; }

    /// <summary>Alias or version of a Lambda ARN (<c>…:function:NAME:QUALIFIER</c>).</summary>
    public string? Qualifier { get; init; }

    public string? Region { get; init; }
    public string? Account { get; init; }

    /// <summary>Activity name for <see cref="TaskResourceKind.Activity"/>.</summary>
    public string? ActivityName { get; init; }

    /// <summary>True for resources whose history events are the Lambda ones (LambdaFunctionScheduled, …).</summary>
    public bool UsesLambdaEvents => Kind is TaskResourceKind.LambdaFunction or TaskResourceKind.ContrailFunction;

    /// <summary>For service integrations: the <c>resourceType</c> of Task* events (<c>lambda</c>, <c>sqs</c>, <c>events</c>, <c>states</c>).</summary>
    public string EventResourceType { get; init; } = "";

    /// <summary>For service integrations: the <c>resource</c> of Task* events (<c>invoke</c>, <c>sendMessage.waitForTaskToken</c>, …); otherwise the raw resource.</summary>
    public string EventResource { get; init; } = "";

    /// <summary>Resolves a resource string; null (with the reason) when it is not one Contrail knows.</summary>
    public static TaskResource? TryResolve(string resource, out string? error)
    {
        error = null;
        if (resource.StartsWith("contrail:function:", StringComparison.Ordinal))
        {
            var name = resource["contrail:function:".Length..];
            if (!IsFunctionName(name))
            {
                error = $"'{name}' is not a valid function name";
                return null;
            }
            return new TaskResource { Raw = resource, Kind = TaskResourceKind.ContrailFunction, FunctionName = name, EventResource = resource };
        }

        var parts = resource.Split(':');
        if (parts.Length < 6 || parts[0] != "arn" || parts[1] is not ("aws" or "aws-cn" or "aws-us-gov"))
        {
            error = NotRecognized(resource);
            return null;
        }
        var service = parts[2];
        var region = parts[3];
        var account = parts[4];
        if (service == "lambda" && parts[5] == "function" && parts.Length is 7 or 8 && IsFunctionName(parts[6]))
        {
            return new TaskResource
            {
                Raw = resource,
                Kind = TaskResourceKind.LambdaFunction,
                FunctionName = parts[6],
                Qualifier = parts.Length == 8 ? parts[7] : null,
                Region = region,
                Account = account,
                EventResource = resource,
            };
        }
        if (service != "states")
        {
            error = NotRecognized(resource);
            return null;
        }
        if (parts[5] == "activity" && parts.Length == 7 && parts[6].Length > 0)
            return new TaskResource { Raw = resource, Kind = TaskResourceKind.Activity, ActivityName = parts[6], Region = region, Account = account, EventResource = resource };

        // Service integrations: arn:aws:states:::service:action[.pattern] (action may contain ':' only in ".sync:2").
        var rest = string.Join(':', parts.Skip(5));
        var serviceName = parts[5];
        var actionWithPattern = rest[(serviceName.Length + 1 >= rest.Length ? rest.Length : serviceName.Length + 1)..];
        if (parts.Length < 7 || actionWithPattern.Length == 0)
        {
            error = NotRecognized(resource);
            return null;
        }
        var pattern = IntegrationPattern.RequestResponse;
        var action = actionWithPattern;
        if (actionWithPattern.EndsWith(".waitForTaskToken", StringComparison.Ordinal))
        {
            pattern = IntegrationPattern.WaitForTaskToken;
            action = actionWithPattern[..^".waitForTaskToken".Length];
        }
        else if (actionWithPattern.EndsWith(".sync:2", StringComparison.Ordinal))
        {
            pattern = IntegrationPattern.Sync2;
            action = actionWithPattern[..^".sync:2".Length];
        }
        else if (actionWithPattern.EndsWith(".sync", StringComparison.Ordinal))
        {
            pattern = IntegrationPattern.Sync;
            action = actionWithPattern[..^".sync".Length];
        }

        TaskResourceKind? kind = (serviceName, action) switch
        {
            ("lambda", "invoke") when pattern is IntegrationPattern.RequestResponse or IntegrationPattern.WaitForTaskToken => TaskResourceKind.LambdaInvoke,
            ("sqs", "sendMessage") when pattern is IntegrationPattern.RequestResponse or IntegrationPattern.WaitForTaskToken => TaskResourceKind.SqsSendMessage,
            ("events", "putEvents") when pattern is IntegrationPattern.RequestResponse or IntegrationPattern.WaitForTaskToken => TaskResourceKind.EventsPutEvents,
            ("states", "startExecution") => TaskResourceKind.StatesStartExecution,
            _ => null,
        };
        if (kind is null)
        {
            error = NotRecognized(resource);
            return null;
        }
        return new TaskResource
        {
            Raw = resource,
            Kind = kind.Value,
            Pattern = pattern,
            Region = region.Length > 0 ? region : null,
            Account = account.Length > 0 ? account : null,
            EventResourceType = serviceName,
            EventResource = actionWithPattern,
        };
    }

    /// <summary>Accepts any URI-like resource (the ASL specification's rule); unknown ones resolve to <see cref="TaskResourceKind.Other"/>.</summary>
    public static TaskResource ResolveAny(string resource) =>
        TryResolve(resource, out _) ?? new TaskResource { Raw = resource, Kind = TaskResourceKind.Other, EventResource = resource };

    /// <summary>Splits a function name or ARN given at run time (<c>Parameters.FunctionName</c>) into name and qualifier.</summary>
    public static (string Name, string? Qualifier) ParseFunctionReference(string reference)
    {
        if (reference.StartsWith("arn:", StringComparison.Ordinal))
        {
            var parts = reference.Split(':');
            if (parts.Length >= 7 && parts[5] == "function") return (parts[6], parts.Length >= 8 ? parts[7] : null);
        }
        else if (reference.StartsWith("contrail:function:", StringComparison.Ordinal))
        {
            return (reference["contrail:function:".Length..], null);
        }
        else
        {
            // Partial ARN "ACCOUNT:function:NAME" or "NAME:QUALIFIER".
            var parts = reference.Split(':');
            if (parts.Length >= 3 && parts[1] == "function") return (parts[2], parts.Length >= 4 ? parts[3] : null);
            if (parts.Length == 2) return (parts[0], parts[1]);
        }
        return (reference, null);
    }

    private static bool IsFunctionName(string name) =>
        name.Length is > 0 and <= 140 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    internal static string NotRecognized(string resource) =>
        $"The resource provided {resource} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.";
}
