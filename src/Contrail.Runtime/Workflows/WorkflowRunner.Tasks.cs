using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Contrail.Events;
using Contrail.Functions;
using Contrail.Queues;
using Contrail.Storage;
using Contrail.Workflows.Asl;

namespace Contrail.Workflows;

public sealed partial class WorkflowRunner
{
    /// <summary>
    /// Runs what a Task state asks for. Store-only effects happen here, in the step's transaction (exactly once):
    /// transactional functions, queue messages, events, child executions. Asynchronous functions are dispatched after the
    /// commit (at least once, with the task's idempotency key), child executions with <c>.sync</c> and
    /// <c>.waitForTaskToken</c> tasks wait for their outcome to be delivered.
    /// </summary>
    private void StartTask(Unit unit, ActiveExecution execution, ActiveFrame frame, TaskRequest request)
    {
        frame.Task = request;
        if (request.TimeoutSeconds is { } timeout) frame.TaskDeadline = request.ScheduledAt.ToUnixTimeMilliseconds() + timeout * 1000L;
        var resource = request.Resource;
        TaskOutcome outcome;
        switch (resource.Kind)
        {
            case TaskResourceKind.ContrailFunction:
            case TaskResourceKind.LambdaFunction:
            case TaskResourceKind.LambdaInvoke:
                if (!_functions.TryGet(request.FunctionName!, out var function))
                {
                    outcome = TaskOutcome.Failure("Lambda.ResourceNotFoundException",
                        $"Function not found: {request.FunctionName} (no function is registered with that name)");
                    break;
                }
                if (function.Transactional is null)
                {
                    frame.TaskKind = PendingTaskKind.AsyncFunction;
                    frame.Function = function;
                    frame.NeedsDispatch = true;
                    execution.TasksInFlight++;
                    unit.Dispatch.Add((execution, frame));
                    ArmTaskTimers(execution, frame);
                    return;
                }
                outcome = RunTransactional(unit, request, function);
                break;
            case TaskResourceKind.SqsSendMessage:
                outcome = Isolated(unit, () => SendMessage(unit, execution, request));
                break;
            case TaskResourceKind.EventsPutEvents:
                outcome = Isolated(unit, () => PutEvents(unit, request));
                break;
            case TaskResourceKind.StatesStartExecution:
                if (StartChildTask(unit, execution, frame, request) is not { } started) return;
                outcome = started;
                break;
            default:
                outcome = TaskOutcome.Failure("Contrail.UnsupportedResource", $"Contrail cannot run the resource '{resource.Raw}'.");
                break;
        }
        if (resource.Pattern == IntegrationPattern.WaitForTaskToken && outcome.IsSuccess)
        {
            frame.TaskKind = PendingTaskKind.Callback;
            ArmTaskTimers(execution, frame);
            return;
        }
        Resolve(execution, frame, outcome);
    }

    private void ArmTaskTimers(ActiveExecution execution, ActiveFrame frame)
    {
        if (frame.TaskDeadline is { } deadline) AddTimer(deadline, execution, frame, TimerKind.TaskDeadline);
        // Heartbeats only mean something for callbacks (SendTaskHeartbeat); a function call cannot send one.
        if (frame.TaskKind == PendingTaskKind.Callback && frame.Task!.HeartbeatSeconds is { } heartbeat)
        {
            frame.HeartbeatDeadline ??= frame.Task.ScheduledAt.ToUnixTimeMilliseconds() + heartbeat * 1000L;
            AddTimer(frame.HeartbeatDeadline.Value, execution, frame, TimerKind.Heartbeat);
        }
    }

    /// <summary>Runs an integration in a savepoint: if it throws, its writes are undone and the task fails with the reason.</summary>
    private static TaskOutcome Isolated(Unit unit, Func<TaskOutcome> integration)
    {
        TaskOutcome? outcome = null;
        var error = unit.Writer.InSavepoint(() => outcome = integration());
        return error is null ? outcome! : TaskOutcome.Failure(AslErrorNames.TaskFailed, error.Message);
    }

    // ------------------------------------------------------------------ functions

    private TaskOutcome RunTransactional(Unit unit, TaskRequest request, FunctionDefinition function)
    {
        var context = FunctionContextFor(request, _inputBuffer);
        JsonNode? result = null;
        var error = unit.Writer.InSavepoint(() => result = function.Transactional!(unit.Writer, context));
        return error is null ? TaskOutcome.Success(ShapeFunctionResult(request, AslValue.FromJsonNode(result), _time.GetUtcNow())) : FunctionFailure(error);
    }

    /// <summary>Reused to hand inputs to transactional functions (they run on the writer, one at a time).</summary>
    private readonly System.Buffers.ArrayBufferWriter<byte> _inputBuffer = new(4096);

    private FunctionContext FunctionContextFor(TaskRequest request, System.Buffers.ArrayBufferWriter<byte> buffer)
    {
        // Through JSON, so that the function gets the same nodes as from a request body (numbers convert to any numeric type).
        buffer.ResetWrittenCount();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, AslJson.WriterOptions))
            (request.Resource.Kind == TaskResourceKind.LambdaInvoke ? request.Payload ?? AslObject.Empty : request.Input).WriteTo(writer);
        return new FunctionContext
        {
            FunctionName = request.FunctionName!,
            Input = JsonNode.Parse(buffer.WrittenSpan),
            IdempotencyKey = request.IdempotencyKey,
            Services = _services,
        };
    }

    /// <summary><c>lambda:invoke</c> returns AWS's whole Invoke response; a function resource returns the function's result.</summary>
    private static AslValue ShapeFunctionResult(TaskRequest request, AslValue result, DateTimeOffset now) =>
        request.Resource.Kind == TaskResourceKind.LambdaInvoke
            ? LambdaInvokeResponse.Wrap(result, DeterministicId(request.IdempotencyKey).ToString(), now)
            : result;

    /// <summary>As Lambda reports errors: a <see cref="FunctionException"/>'s own error and cause; any other exception by its type name, with Lambda's JSON cause.</summary>
    internal static TaskOutcome FunctionFailure(Exception exception)
    {
        if (exception is FunctionException function) return TaskOutcome.Failure(function.Error, function.Cause);
        var type = exception.GetType().Name;
        var cause = new AslObjectBuilder(2).Add("errorMessage", exception.Message).Add("errorType", type).Build();
        return TaskOutcome.Failure(type, cause.ToJsonString());
    }

    /// <summary>Calls an asynchronous function for a frame that committed as awaiting it; the answer comes back through the inbox.</summary>
    private void DispatchTask(ActiveExecution execution, ActiveFrame frame)
    {
        if (frame.Removed || !frame.NeedsDispatch || frame.TaskKind != PendingTaskKind.AsyncFunction || !_active.ContainsKey(execution.Seq)) return;
        frame.NeedsDispatch = false;
        var cancel = new CancellationTokenSource();
        frame.TaskCancel = cancel;
        var request = frame.Task!;
        var function = frame.Function!;
        var seq = execution.Seq;
        var context = FunctionContextFor(request, new System.Buffers.ArrayBufferWriter<byte>(256));
        _ = Task.Run(() => InvokeAsync(seq, frame.Id, request, function, context, cancel.Token), CancellationToken.None);
    }

    private async Task InvokeAsync(long seq, string frameId, TaskRequest request, FunctionDefinition function, FunctionContext context, CancellationToken ct)
    {
        try
        {
            await _taskSlots.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        TaskOutcome outcome;
        try
        {
            var result = await function.Async!(context, ct).ConfigureAwait(false);
            outcome = TaskOutcome.Success(ShapeFunctionResult(request, AslValue.FromJsonNode(result), _time.GetUtcNow()));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return; // the runner timed the task out or aborted the frame; it has already moved on
        }
        catch (Exception ex)
        {
            outcome = FunctionFailure(ex);
        }
        finally
        {
            _taskSlots.Release();
        }
        Post(new TaskDoneCommand(seq, frameId, request.IdempotencyKey, outcome));
    }

    // ------------------------------------------------------------------ sqs:sendMessage

    private TaskOutcome SendMessage(Unit unit, ActiveExecution execution, TaskRequest request)
    {
        if (request.Input is not AslObject parameters || parameters["QueueUrl"] is not AslString queueUrl)
            return TaskOutcome.Failure("SQS.MissingParameterException", "The request must contain the parameter QueueUrl.");
        if (parameters["MessageBody"] is not { } bodyValue)
            return TaskOutcome.Failure("SQS.MissingParameterException", "The request must contain the parameter MessageBody.");
        // A queue URL ends with the queue's name (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME); a bare name works too.
        var queue = queueUrl.Value[(queueUrl.Value.LastIndexOf('/') + 1)..];
        if (!_queues.TryGet(queue, out _))
            return TaskOutcome.Failure("SQS.QueueDoesNotExistException", $"The specified queue does not exist: {queueUrl.Value}");
        var body = bodyValue is AslString s ? s.Value : bodyValue.ToJsonString();
        TimeSpan? delay = null;
        if (parameters["DelaySeconds"] is { } delayValue)
        {
            if (delayValue is not AslNumber { IsIntegral: true } seconds || seconds.Double is < 0 or > 900)
                return TaskOutcome.Failure("SQS.InvalidParameterValueException", "DelaySeconds must be a whole number from 0 to 900.");
            delay = TimeSpan.FromSeconds(seconds.Double);
        }
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["workflow_execution"] = execution.Id };
        if (parameters["MessageAttributes"] is AslObject attributes)
            foreach (var (name, value) in attributes.Properties)
                if (value is AslObject attribute && attribute["StringValue"] is AslString text) headers[name] = text.Value;
        var messageId = DeterministicId(request.IdempotencyKey).ToString();
        unit.Writer.MessageSend(queue, new OutgoingMessage(body, headers, DedupKey: "workflow:" + request.IdempotencyKey, Delay: delay));
        return TaskOutcome.Success(new AslObjectBuilder(4)
            .Add("MD5OfMessageBody", Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(body))))
            .Add("MessageId", messageId)
            .Add("SdkHttpMetadata", new AslObjectBuilder(1).Add("HttpStatusCode", AslNumber.FromLong(200)).Build())
            .Add("SdkResponseMetadata", new AslObjectBuilder(1).Add("RequestId", messageId).Build())
            .Build());
    }

    // ------------------------------------------------------------------ events:putEvents

    private TaskOutcome PutEvents(Unit unit, TaskRequest request)
    {
        if (request.Input is not AslObject parameters || parameters["Entries"] is not AslArray { Count: > 0 and <= 10 } entries)
            return TaskOutcome.Failure("EventBridge.ValidationException", "Entries must be an array of 1 to 10 entries.");
        var results = new List<AslValue>(entries.Count);
        var envelopes = new List<EventEnvelope>(entries.Count);
        var failed = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            var problem = Entry(entries[i], out var source, out var detailType, out var detail, out var resources);
            if (problem is not null)
            {
                failed++;
                results.Add(new AslObjectBuilder(2).Add("ErrorCode", "InvalidArgument").Add("ErrorMessage", problem).Build());
                continue;
            }
            // The event id derives from the task's idempotency key: the same step can never publish a second, different event.
            var id = DeterministicId(request.IdempotencyKey + "#" + i.ToString(CultureInfo.InvariantCulture)).ToString();
            envelopes.Add(new EventEnvelope
            {
                Id = id,
                Source = source!,
                DetailType = detailType!,
                Detail = detail!,
                Resources = resources!,
                Time = DateTimeOffset.FromUnixTimeMilliseconds(unit.Writer.NowMs),
            });
            results.Add(new AslObjectBuilder(1).Add("EventId", id).Build());
        }
        var response = new AslObjectBuilder(2).Add("Entries", new AslArray([.. results])).Add("FailedEntryCount", AslNumber.FromLong(failed)).Build();
        // EventBridge accepts the valid entries of a partly failed request; Step Functions then fails the task.
        foreach (var envelope in envelopes) _bus.Publish(unit.Writer, envelope);
        return failed == 0 ? TaskOutcome.Success(response) : TaskOutcome.Failure("EventBridge.FailedEntry", response.ToJsonString());
    }

    private static string? Entry(AslValue value, out string? source, out string? detailType, out JsonObject? detail, out IReadOnlyList<string>? resources)
    {
        source = detailType = null;
        detail = null;
        resources = null;
        if (value is not AslObject entry) return "An entry must be an object.";
        if (entry["Source"] is not AslString { Value.Length: > 0 } s) return "Source is required.";
        if (entry["DetailType"] is not AslString { Value.Length: > 0 } t) return "DetailType is required.";
        source = s.Value;
        detailType = t.Value;
        switch (entry["Detail"])
        {
            case AslObject o:
                detail = (JsonObject)o.ToJsonNode()!;
                break;
            case AslString text:
                try { detail = JsonNode.Parse(text.Value) as JsonObject; }
                catch (System.Text.Json.JsonException) { }
                if (detail is null) return "Detail is malformed: it must be a JSON object.";
                break;
            default:
                return "Detail is required and must be a JSON object.";
        }
        var list = new List<string>();
        if (entry["Resources"] is AslArray array)
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is not AslString r) return "Resources must be strings.";
                list.Add(r.Value);
            }
        resources = list;
        return null;
    }

    // ------------------------------------------------------------------ states:startExecution

    /// <summary>Starts the child; returns the task's outcome now, or null when the frame waits for the child to end.</summary>
    private TaskOutcome? StartChildTask(Unit unit, ActiveExecution execution, ActiveFrame frame, TaskRequest request)
    {
        if (request.Input is not AslObject parameters || parameters["StateMachineArn"] is not AslString arn)
            return TaskOutcome.Failure("StepFunctions.InvalidArnException", "The request must contain the parameter StateMachineArn.");
        if (WorkflowArns.StateMachineName(arn.Value) is not { } machine)
            return TaskOutcome.Failure("StepFunctions.InvalidArnException", $"Invalid Arn: '{arn.Value}'");
        AslValue input = AslObject.Empty;
        if (parameters["Input"] is { } given)
        {
            input = given;
            if (given is AslString text)
            {
                try { input = AslValue.Parse(text.Value); }
                catch (System.Text.Json.JsonException) { return TaskOutcome.Failure("StepFunctions.InvalidExecutionInputException", "Input is not valid JSON."); }
            }
        }
        var name = parameters["Name"] is AslString n ? n.Value : DeterministicId(request.IdempotencyKey).ToString();
        var sync = request.Resource.Pattern is IntegrationPattern.Sync or IntegrationPattern.Sync2;
        var startRequest = new StartRequest(machine, input, name, execution.Id)
        {
            Parent = sync ? new ParentLink(execution.Seq, frame.Id, request.IdempotencyKey) : null,
        };
        (StoredExecution Execution, bool Created, AslDefinition Definition) child;
        try
        {
            child = StartChild(unit, startRequest);
        }
        catch (WorkflowStartException ex)
        {
            return TaskOutcome.Failure(ex.Failure switch
            {
                StartFailure.StateMachineNotFound => "StepFunctions.StateMachineDoesNotExistException",
                StartFailure.AlreadyExists => "StepFunctions.ExecutionAlreadyExistsException",
                StartFailure.InputTooLarge => "StepFunctions.InvalidExecutionInputException",
                _ => "StepFunctions.InvalidNameException",
            }, ex.Message);
        }
        var row = child.Execution;
        var childArn = WorkflowArns.Execution(row.StateMachine, row.Name, child.Definition.Type);
        if (!sync)
            return TaskOutcome.Success(new AslObjectBuilder(2)
                .Add("ExecutionArn", childArn)
                .Add("StartDate", Rfc3339.Format(DateTimeOffset.FromUnixTimeMilliseconds(row.StartedAt)))
                .Build());
        if (!child.Created)
        {
            // A repeated start of an execution that exists already: its end is ours only if it was started for this task.
            if (row.Status != ExecutionStatus.Running)
            {
                var ended = EndedChildCompletion(row, request).ToOutcome();
                return ended.IsSuccess ? ShapeChildResult(request, ended.Result!) : ended;
            }
            if (row.ParentSeq != execution.Seq || row.ParentTaskKey != request.IdempotencyKey)
                return TaskOutcome.Failure("StepFunctions.ExecutionAlreadyExistsException", $"Execution '{row.Id}' is already running and was not started by this task.");
        }
        frame.TaskKind = PendingTaskKind.ChildExecution;
        frame.ChildExecutionId = row.Id;
        ArmTaskTimers(execution, frame);
        return null;
    }

    /// <summary>Delivers a <c>.sync</c> child's end to its parent frame: in memory when this runner holds the parent, else through the parent's row.</summary>
    private void NotifyParent(Unit unit, ActiveExecution child, long parentSeq)
    {
        var completion = ChildCompletion(child);
        if (_active.TryGetValue(parentSeq, out var parent) && parent.Frames.TryGetValue(child.ParentFrame!, out var frame))
        {
            ApplyCompletion(unit, parent, frame, completion);
            return;
        }
        var w = unit.Writer;
        if (w.WorkflowFrameSetCompletion(parentSeq, child.ParentFrame!, WorkflowJson.Serialize(completion)))
        {
            w.WorkflowExecutionWake(parentSeq);
            unit.WakeAfterCommit.Add(parentSeq);
        }
    }

    private static FrameCompletion ChildCompletion(ActiveExecution child)
    {
        var describe = Describe(child.StateMachine, child.Context.Name, child.Definition.Type, child.Status, child.Context.Input,
            child.Output, child.Error, child.Cause, child.Context.StartTime.ToUnixTimeMilliseconds(), child.StoppedAt);
        return child.Status == ExecutionStatus.Succeeded
            ? new FrameCompletion(child.ParentTaskKey!, true, describe, null, null)
            : new FrameCompletion(child.ParentTaskKey!, false, null, AslErrorNames.TaskFailed, describe.ToJsonString());
    }

    private FrameCompletion EndedChildCompletion(StoredExecution row, TaskRequest request)
    {
        var type = _registry.Definition(row.StateMachine, row.Version).Type;
        var describe = Describe(row.StateMachine, row.Name, type, row.Status, AslValue.Parse(row.Input),
            row.Output is null ? null : AslValue.Parse(row.Output), row.Error, row.Cause, row.StartedAt, row.StoppedAt);
        return row.Status == ExecutionStatus.Succeeded
            ? new FrameCompletion(request.IdempotencyKey, true, describe, null, null)
            : new FrameCompletion(request.IdempotencyKey, false, null, AslErrorNames.TaskFailed, describe.ToJsonString());
    }

    /// <summary>The child as DescribeExecution shows it (input and output as JSON; <see cref="ShapeChildResult"/> makes them strings for <c>.sync</c>).</summary>
    private static AslObject Describe(string machine, string name, AslStateMachineType type, string status, AslValue input,
        AslValue? output, string? error, string? cause, long startedAt, long? stoppedAt)
    {
        var included = new AslObjectBuilder(1).Add("Included", AslValue.True).Build();
        var b = new AslObjectBuilder(12)
            .Add("ExecutionArn", WorkflowArns.Execution(machine, name, type))
            .Add("Input", input)
            .Add("InputDetails", included)
            .Add("Name", name);
        if (output is not null) b.Add("Output", output).Add("OutputDetails", included);
        b.Add("StartDate", Rfc3339.Format(DateTimeOffset.FromUnixTimeMilliseconds(startedAt)))
            .Add("StateMachineArn", WorkflowArns.StateMachine(machine))
            .Add("Status", status);
        if (stoppedAt is { } stopped) b.Add("StopDate", Rfc3339.Format(DateTimeOffset.FromUnixTimeMilliseconds(stopped)));
        if (error is not null) b.Add("Error", error);
        if (cause is not null) b.Add("Cause", cause);
        return b.Build();
    }

    /// <summary><c>.sync</c> gives the child's input and output as JSON text; <c>.sync:2</c> as JSON values.</summary>
    private static TaskOutcome ShapeChildResult(TaskRequest request, AslValue describe)
    {
        if (request.Resource.Pattern != IntegrationPattern.Sync || describe is not AslObject o) return TaskOutcome.Success(describe);
        var b = new AslObjectBuilder(o.Count);
        foreach (var (key, value) in o.Properties)
            b.Add(key, key is "Input" or "Output" ? new AslString(value.ToJsonString()) : value);
        return TaskOutcome.Success(b.Build());
    }

    /// <summary>A GUID derived from a key (UUID version 8 layout): ids that a repeated step reproduces exactly.</summary>
    internal static Guid DeterministicId(string key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
