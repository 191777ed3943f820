using System.Text.Json.Serialization;
using System.Globalization;

namespace Contrail.Workflows.Asl;

/// <summary>
/// One execution history event, named like AWS GetExecutionHistory's (<c>ExecutionStarted</c>, <c>TaskStateEntered</c>,
/// <c>LambdaFunctionSucceeded</c>, <c>MapIterationStarted</c>, …). The engine produces them in
/// <see cref="StepResult.Events"/>; the in-memory and durable drivers both record exactly these.
/// <see cref="ToAwsJson"/> renders AWS's shape (<c>{"timestamp","type","id","previousEventId","…EventDetails":{…}}</c>).
/// </summary>
public sealed record HistoryEvent
{
    public long Id { get; init; }
    public long PreviousEventId { get; init; }
    public DateTimeOffset Timestamp { get; init; }
    public required string Type { get; init; }

    /// <summary>The frame that produced the event (not part of AWS's shape; useful to order and debug concurrent frames).</summary>
    public string? FrameId { get; init; }

    public string? Name { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AslValue? Input { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AslValue? Output { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AslValue? Parameters { get; init; }
    public string? Error { get; init; }
    public string? Cause { get; init; }
    public string? Resource { get; init; }
    public string? ResourceType { get; init; }

    /// <summary>TaskScheduled: the integration's region.</summary>
    public string? Region { get; init; }

    /// <summary>ExecutionStarted: the execution's role.</summary>
    public string? RoleArn { get; init; }
    public int? Index { get; init; }
    public int? Length { get; init; }
    public long? TimeoutInSeconds { get; init; }
    public long? HeartbeatInSeconds { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AslObject? AssignedVariables { get; init; }

    /// <summary>The name of the details member in AWS's shape (e.g. <c>stateEnteredEventDetails</c>), or null for events without details.</summary>
    public string? DetailsName => Type switch
    {
        _ when Type.EndsWith("StateEntered", StringComparison.Ordinal) => "stateEnteredEventDetails",
        _ when Type.EndsWith("StateExited", StringComparison.Ordinal) => "stateExitedEventDetails",
        "MapIterationStarted" or "MapIterationSucceeded" or "MapIterationFailed" or "MapIterationAborted" => char.ToLowerInvariant(Type[0]) + Type[1..] + "EventDetails",
        "LambdaFunctionStarted" or "ParallelStateStarted" or "ParallelStateSucceeded" or "ParallelStateFailed" or "ParallelStateAborted"
            or "MapStateSucceeded" or "MapStateFailed" or "MapStateAborted" or "MapRunSucceeded" or "ActivityStarted" => null,
        _ => char.ToLowerInvariant(Type[0]) + Type[1..] + "EventDetails",
    };

    /// <summary>AWS's GetExecutionHistory shape; payloads are JSON strings as AWS returns them.</summary>
    public AslObject ToAwsJson()
    {
        var root = new AslObjectBuilder(5)
            .Add("timestamp", Rfc3339.Format(Timestamp))
            .Add("type", Type)
            .Add("id", AslNumber.FromLong(Id))
            .Add("previousEventId", AslNumber.FromLong(PreviousEventId));
        var detailsName = DetailsName;
        if (detailsName is null) return root.Build();
        var d = new AslObjectBuilder(8);
        if (Name is not null) d.Add(Type == "EvaluationFailed" ? "state" : "name", Name);
        if (Index is { } index) d.Add("index", AslNumber.FromLong(index));
        if (Length is { } length) d.Add("length", AslNumber.FromLong(length));
        if (ResourceType is not null) d.Add("resourceType", ResourceType);
        if (Resource is not null) d.Add("resource", Resource);
        if (Region is not null) d.Add("region", Region);
        if (Input is not null)
        {
            d.Add("input", Input.ToJsonString());
            d.Add("inputDetails", Truncated());
        }
        if (Parameters is not null) d.Add("parameters", Parameters.ToJsonString());
        if (Output is not null)
        {
            d.Add("output", Output.ToJsonString());
            d.Add("outputDetails", Truncated());
        }
        if (RoleArn is not null) d.Add("roleArn", RoleArn);
        if (Error is not null) d.Add("error", Error);
        if (Cause is not null) d.Add("cause", Cause);
        if (TimeoutInSeconds is { } t) d.Add("timeoutInSeconds", AslNumber.FromLong(t));
        if (HeartbeatInSeconds is { } h) d.Add("heartbeatInSeconds", AslNumber.FromLong(h));
        if (AssignedVariables is not null)
        {
            var vars = new AslObjectBuilder(AssignedVariables.Count);
            foreach (var (k, v) in AssignedVariables.Properties) vars.Add(k, v.ToJsonString());
            d.Add("assignedVariables", vars.Build());
            d.Add("assignedVariablesDetails", Truncated());
        }
        root.Add(detailsName, d.Build());
        return root.Build();
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"#{Id} {Type}{(Name is null ? "" : " " + Name)}{(Index is null ? "" : $"[{Index}]")}");

    private static AslObject Truncated() => new AslObjectBuilder(1).Add("truncated", AslValue.False).Build();
}
