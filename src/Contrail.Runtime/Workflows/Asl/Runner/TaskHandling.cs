using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Contrail.Workflows.Asl;

/// <summary>How a task ended: its raw result (before ResultSelector), or an error with an optional cause.</summary>
public sealed record TaskOutcome
{
    private TaskOutcome() { }

    public bool IsSuccess { get; private init; }
    public AslValue? Result { get; private init; }
    public string? Error { get; private init; }
    public string? Cause { get; private init; }

    public static TaskOutcome Success(AslValue result) => new() { IsSuccess = true, Result = result };

    public static TaskOutcome Success(JsonNode? result) => Success(AslValue.FromJsonNode(result));

    public static TaskOutcome Failure(string error, string? cause = null) => new() { Error = error, Cause = cause };
}

/// <summary>Performs a task for a driver (the in-memory runner calls it for every <see cref="InvokeTaskAction"/>).</summary>
public delegate ValueTask<TaskOutcome> AslTaskHandler(TaskRequest request, CancellationToken cancellationToken);

/// <summary>Invokes a function by name with a payload and returns its result.</summary>
public delegate ValueTask<AslValue> AslFunctionInvoker(string functionName, AslValue payload, CancellationToken cancellationToken);

/// <summary>Ready-made task handlers.</summary>
public static class AslTaskHandlers
{
    /// <summary>
    /// Serves function resources with <paramref name="invoke"/>: <c>contrail:function:NAME</c> and Lambda ARNs get the
    /// function's result as the task result; <c>arn:aws:states:::lambda:invoke</c> calls the function with
    /// <c>Parameters.Payload</c> and wraps its result as AWS's Invoke response (<see cref="LambdaInvokeResponse.Wrap"/>).
    /// An exception thrown by the function becomes an error named after the exception type, its message as the cause
    /// (as Lambda reports unhandled errors). Other resources fail with <c>Contrail.UnsupportedResource</c>.
    /// </summary>
    public static AslTaskHandler FromFunctions(AslFunctionInvoker invoke) => async (request, ct) =>
    {
        try
        {
            switch (request.Resource.Kind)
            {
                case TaskResourceKind.ContrailFunction:
                case TaskResourceKind.LambdaFunction:
                    return TaskOutcome.Success(await invoke(request.FunctionName!, request.Input, ct).ConfigureAwait(false));
                case TaskResourceKind.LambdaInvoke:
                    var result = await invoke(request.FunctionName!, request.Payload ?? AslObject.Empty, ct).ConfigureAwait(false);
                    return TaskOutcome.Success(LambdaInvokeResponse.Wrap(result, request.IdempotencyKey));
                default:
                    return TaskOutcome.Failure("Contrail.UnsupportedResource", $"No handler for the resource '{request.Resource.Raw}'.");
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return TaskOutcome.Failure(e.GetType().Name, e.Message);
        }
    };
}

/// <summary>Shapes a function result the way <c>arn:aws:states:::lambda:invoke</c> returns it on AWS.</summary>
public static class LambdaInvokeResponse
{
    /// <summary>
    /// <c>{"ExecutedVersion":"$LATEST","Payload":…,"SdkHttpMetadata":{…},"SdkResponseMetadata":{"RequestId":…},"StatusCode":200}</c>,
    /// with the headers AWS records (Content-Length is the payload's UTF-8 JSON size).
    /// </summary>
    public static AslObject Wrap(AslValue payload, string? requestId = null, DateTimeOffset? date = null, string executedVersion = "$LATEST")
    {
        requestId ??= Guid.NewGuid().ToString();
        var length = Encoding.UTF8.GetByteCount(payload.ToJsonString()).ToString(CultureInfo.InvariantCulture);
        var dateText = (date ?? DateTimeOffset.UtcNow).UtcDateTime.ToString("r", CultureInfo.InvariantCulture);
        var traceId = "root=1-" + requestId;
        static AslValue One(string s) => new AslArray([new AslString(s)]);

        var allHeaders = new AslObjectBuilder(8)
            .Add("X-Amz-Executed-Version", One(executedVersion))
            .Add("x-amzn-Remapped-Content-Length", One("0"))
            .Add("Connection", One("keep-alive"))
            .Add("x-amzn-RequestId", One(requestId))
            .Add("Content-Length", One(length))
            .Add("Date", One(dateText))
            .Add("X-Amzn-Trace-Id", One(traceId))
            .Add("Content-Type", One("application/json"))
            .Build();
        var headers = new AslObjectBuilder(8)
            .Add("Connection", "keep-alive")
            .Add("Content-Length", length)
            .Add("Content-Type", "application/json")
            .Add("Date", dateText)
            .Add("X-Amz-Executed-Version", executedVersion)
            .Add("x-amzn-Remapped-Content-Length", "0")
            .Add("x-amzn-RequestId", requestId)
            .Add("X-Amzn-Trace-Id", traceId)
            .Build();
        return new AslObjectBuilder(5)
            .Add("ExecutedVersion", executedVersion)
            .Add("Payload", payload)
            .Add("SdkHttpMetadata", new AslObjectBuilder(3)
                .Add("AllHttpHeaders", allHeaders)
                .Add("HttpHeaders", headers)
                .Add("HttpStatusCode", AslNumber.FromLong(200))
                .Build())
            .Add("SdkResponseMetadata", new AslObjectBuilder(1).Add("RequestId", requestId).Build())
            .Add("StatusCode", AslNumber.FromLong(200))
            .Build();
    }
}
