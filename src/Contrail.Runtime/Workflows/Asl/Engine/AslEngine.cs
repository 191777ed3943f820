using System.Globalization;
using System.Text.Json.Nodes;

namespace Contrail.Workflows.Asl;

/// <summary>
/// The ASL interpreter, as pure functions over <see cref="FrameState"/>s. Each call advances one frame
/// synchronously until it needs the outside world and returns a <see cref="StepResult"/>: the new frame, what it
/// needs (<see cref="InvokeTaskAction"/>, <see cref="WaitUntilAction"/>, <see cref="StartChildrenAction"/>) or how it
/// ended (<see cref="CompletedAction"/>, <see cref="FailedAction"/>), and the history events of the step. The engine
/// never sleeps, never performs I/O and keeps nothing between calls: a driver can persist the frame and resume it in
/// another process.
/// </summary>
public static class AslEngine
{
    /// <summary>Step Functions' payload quota (256 KiB) for task results and literal Pass results.</summary>
    public const long PayloadQuotaBytes = 256 * 1024;

    /// <summary>States one step may enter before it returns <see cref="ContinueAction"/> (bounds the work of a step).</summary>
    public const int TransitionBudget = 1000;

    /// <summary>The root frame of a new execution, ready to advance (the first advance emits <c>ExecutionStarted</c>).</summary>
    public static FrameState StartRoot(AslDefinition definition, ExecutionContextData execution) => new()
    {
        FrameId = "root",
        Kind = FrameKind.Root,
        GraphIndex = definition.Root.Index,
        Status = FrameStatus.Ready,
        StateName = definition.Root.StartAt,
        Input = execution.Input,
    };

    /// <summary>
    /// The idempotency key of the task <paramref name="frame"/> is waiting for, or null when it waits for none. A driver
    /// accepts a task completion only when its request's key equals this (a late answer to an older attempt is dropped).
    /// </summary>
    public static string? PendingTaskKey(ExecutionContextData execution, FrameState frame) =>
        frame.Status == FrameStatus.AwaitingTask ? TaskKey(execution, frame.FrameId, frame.StateName!, frame.Visit, frame.RetryCount) : null;

    internal static string TaskKey(ExecutionContextData execution, string frameId, string stateName, int visit, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"{execution.ExecutionId}|{frameId}|{stateName}#{visit}|{attempt}");

    /// <summary>Runs a <see cref="FrameStatus.Ready"/> frame until it needs something or ends.</summary>
    public static StepResult Advance(AslDefinition definition, ExecutionContextData execution, FrameState frame, DateTimeOffset now)
    {
        Require(frame, FrameStatus.Ready);
        var run = new Run(definition, execution, frame, now);
        run.Start();
        run.Loop();
        return run.Result();
    }

    /// <summary>Resumes a frame waiting on its task with the task's result (the raw result, before ResultSelector).</summary>
    public static StepResult ResumeWithTaskResult(AslDefinition definition, ExecutionContextData execution, FrameState frame, AslValue result, DateTimeOffset now)
    {
        Require(frame, FrameStatus.AwaitingTask);
        var run = new Run(definition, execution, frame, now);
        run.TaskSucceeded(result ?? AslValue.Null);
        run.Loop();
        return run.Result();
    }

    /// <inheritdoc cref="ResumeWithTaskResult(AslDefinition, ExecutionContextData, FrameState, AslValue, DateTimeOffset)"/>
    public static StepResult ResumeWithTaskResult(AslDefinition definition, ExecutionContextData execution, FrameState frame, JsonNode? result, DateTimeOffset now) =>
        ResumeWithTaskResult(definition, execution, frame, AslValue.FromJsonNode(result), now);

    /// <summary>
    /// Resumes a frame waiting on its task with the task's failure. Use <see cref="AslErrorNames.Timeout"/> when the task
    /// exceeded its TimeoutSeconds and <see cref="AslErrorNames.HeartbeatTimeout"/> for a missed heartbeat.
    /// </summary>
    public static StepResult ResumeWithTaskError(AslDefinition definition, ExecutionContextData execution, FrameState frame, string error, string? cause, DateTimeOffset now)
    {
        Require(frame, FrameStatus.AwaitingTask);
        var run = new Run(definition, execution, frame, now);
        run.TaskFailed(error, cause);
        run.Loop();
        return run.Result();
    }

    /// <summary>Resumes a frame whose timer (Wait state or Retry back-off) is due.</summary>
    public static StepResult ResumeAfterWait(AslDefinition definition, ExecutionContextData execution, FrameState frame, DateTimeOffset now)
    {
        Require(frame, FrameStatus.AwaitingTimer);
        var run = new Run(definition, execution, frame, now);
        run.TimerFired();
        run.Loop();
        return run.Result();
    }

    /// <summary>
    /// Resumes a Parallel or Map frame with the outcome of every child of its <see cref="ChildBatch"/> (any order; matched
    /// by index). The engine assembles results, applies ToleratedFailure* and propagates failures to Retry/Catch.
    /// </summary>
    public static StepResult ResumeWithChildren(AslDefinition definition, ExecutionContextData execution, FrameState frame, IReadOnlyList<ChildOutcome> outcomes, DateTimeOffset now)
    {
        Require(frame, FrameStatus.AwaitingChildren);
        if (outcomes.Count != frame.ChildCount)
            throw new ArgumentException($"Expected {frame.ChildCount} child outcomes, got {outcomes.Count}.", nameof(outcomes));
        var run = new Run(definition, execution, frame, now);
        run.ChildrenDone(outcomes);
        run.Loop();
        return run.Result();
    }

    /// <summary>Ends the execution because its TimeoutSeconds elapsed (the driver owns that deadline): <c>ExecutionTimedOut</c>.</summary>
    public static StepResult TimeOut(AslDefinition definition, ExecutionContextData execution, FrameState root, DateTimeOffset now)
    {
        if (root.IsFinished) throw new InvalidOperationException("The frame has already finished.");
        var run = new Run(definition, execution, root, now);
        run.EndWith(FrameStatus.Failed, "ExecutionTimedOut", AslErrorNames.Timeout, "The execution timed out.");
        return run.Result();
    }

    /// <summary>Stops an unfinished frame (a sibling failed, or the execution was stopped): <c>MapIterationAborted</c> / <c>ExecutionAborted</c>.</summary>
    public static StepResult Abort(AslDefinition definition, ExecutionContextData execution, FrameState frame, DateTimeOffset now, string? error = null, string? cause = null)
    {
        if (frame.IsFinished) throw new InvalidOperationException("The frame has already finished.");
        var run = new Run(definition, execution, frame, now);
        run.EndWith(FrameStatus.Aborted, frame.Kind switch
        {
            FrameKind.Root => "ExecutionAborted",
            FrameKind.MapIteration => "MapIterationAborted",
            _ => null,
        }, error, cause);
        return run.Result();
    }

    private static void Require(FrameState frame, FrameStatus status)
    {
        if (frame.Status != status)
            throw new InvalidOperationException($"Frame '{frame.FrameId}' is {frame.Status}, not {status}.");
    }

    /// <summary>One engine call: a mutable working copy of the frame, turned back into a record at the end.</summary>
    private sealed class Run
    {
        private readonly AslDefinition _def;
        private readonly ExecutionContextData _exec;
        private readonly DateTimeOffset _now;
        private readonly EvalContext _ctx;
        private readonly List<HistoryEvent> _events = new(8);
        private readonly bool _quiet;

        private readonly string _frameId;
        private readonly FrameKind _kind;
        private readonly int _graph;
        private readonly int _index;
        private readonly string? _parentState;
        private FrameStatus _status;
        private bool _started;
        private string? _stateName;
        private bool _entered;
        private AslValue _input;
        private DateTimeOffset _enteredTime;
        private long _enteredEventId;
        private long _lastEventId;
        private int _visit;
        private int _retryCount;
        private int[]? _retrierAttempts;
        private AslObject? _vars;
        private readonly AslObject? _inherited;
        private TimerPurpose _timer;
        private DateTimeOffset? _waitUntil;
        private string? _taskToken;
        private int _childCount;
        private AslValue? _output;
        private string? _error;
        private string? _cause;
        private long _transitions;

        private int _stepTransitions;
        private StepAction? _action;
        private ulong _frameSeed;

        public Run(AslDefinition def, ExecutionContextData exec, FrameState f, DateTimeOffset now)
        {
            _def = def;
            _exec = exec;
            _now = now;
            _ctx = new EvalContext(exec);
            _frameId = f.FrameId;
            _kind = f.Kind;
            _quiet = f.Kind == FrameKind.MapRunItem;
            _graph = f.GraphIndex;
            _index = f.Index;
            _parentState = f.ParentState;
            _status = f.Status;
            _started = f.Started;
            _stateName = f.StateName;
            _entered = f.Entered;
            _input = f.Input ?? AslValue.Null;
            _enteredTime = f.EnteredTime;
            _enteredEventId = f.EnteredEventId;
            _lastEventId = f.LastEventId;
            _visit = f.Visit;
            _retryCount = f.RetryCount;
            _retrierAttempts = f.RetrierAttempts;
            _vars = f.Variables;
            _inherited = f.InheritedVariables;
            _timer = f.TimerPurpose;
            _waitUntil = f.WaitUntil;
            _taskToken = f.TaskToken;
            _childCount = f.ChildCount;
            _output = f.Output;
            _error = f.Error;
            _cause = f.Cause;
            _transitions = f.Transitions;
        }

        public StepResult Result()
        {
            var frame = new FrameState
            {
                FrameId = _frameId,
                Kind = _kind,
                GraphIndex = _graph,
                Index = _index,
                ParentState = _parentState,
                Status = _status,
                Started = _started,
                StateName = _stateName,
                Entered = _entered,
                Input = _input,
                EnteredTime = _enteredTime,
                EnteredEventId = _enteredEventId,
                LastEventId = _lastEventId,
                Visit = _visit,
                RetryCount = _retryCount,
                RetrierAttempts = _retrierAttempts,
                Variables = _vars,
                InheritedVariables = _inherited,
                TimerPurpose = _timer,
                WaitUntil = _waitUntil,
                TaskToken = _taskToken,
                ChildCount = _childCount,
                Output = _output,
                Error = _error,
                Cause = _cause,
                Transitions = _transitions,
            };
            return new StepResult(frame, _action ?? throw new InvalidOperationException("The step ended without an action."), _events, _stepTransitions);
        }

        // ------------------------------------------------------------ driving

        public void Start()
        {
            if (_started) return;
            _started = true;
            switch (_kind)
            {
                case FrameKind.Root:
                    Emit("ExecutionStarted", input: _exec.Input, roleArn: _exec.RoleArn.Length == 0 ? null : _exec.RoleArn);
                    break;
                case FrameKind.MapIteration:
                    Emit("MapIterationStarted", name: _parentState, index: _index);
                    break;
            }
        }

        public void Loop()
        {
            while (_action is null)
            {
                if (!_entered && _stepTransitions >= TransitionBudget)
                {
                    Suspend(ContinueAction.Instance, FrameStatus.Ready);
                    return;
                }
                var state = _def.GetState(_graph, _stateName!);
                if (!_entered) Enter(state);
                try
                {
                    Execute(state);
                }
                catch (AslRuntimeException e)
                {
                    HandleError(state, e.Error, e.Cause, e.Terminal);
                }
            }
        }

        private void Enter(StateNode state)
        {
            _visit++;
            _transitions++;
            _stepTransitions++;
            _enteredTime = _now;
            _retryCount = 0;
            _retrierAttempts = null;
            _entered = true;
            _enteredEventId = Emit(state.EnteredEventType, name: state.Name, input: _input)?.Id ?? 0;
        }

        private void Execute(StateNode state)
        {
            PrepareContext(state);
            switch (state)
            {
                case PassStateNode pass: ExecPass(pass); break;
                case TaskStateNode task: ExecTask(task); break;
                case ChoiceStateNode choice: ExecChoice(choice); break;
                case WaitStateNode wait: ExecWait(wait); break;
                case SucceedStateNode succeed:
                    if (succeed.Jsonata is { } j) Exit(succeed, JsonataOutput(j.Output, Scope(), _input), null, null);
                    else Exit(succeed, ApplyOutputPath(succeed, EffectiveInput(succeed)), null, null);
                    break;
                case FailStateNode fail: ExecFail(fail); break;
                case ParallelStateNode parallel: ExecParallel(parallel); break;
                case MapStateNode map: ExecMap(map); break;
            }
        }

        private void PrepareContext(StateNode state)
        {
            _ctx.Locals = _vars;
            _ctx.Inherited = _inherited;
            _ctx.ForState(state.Name, _enteredTime, state is ExecutingStateNode ? _retryCount : null, Seed(state, 1));
            _ctx.Input = _input;
        }

        private ulong Seed(StateNode state, ulong purpose)
        {
            if (_frameSeed == 0) _frameSeed = DeterministicRandom.Mix(_exec.RandomSeed, DeterministicRandom.Hash(_frameId)) | 1;
            var s = DeterministicRandom.Mix(_frameSeed, state.NameHash);
            s = DeterministicRandom.Mix(s, ((ulong)(uint)_visit << 32) | (uint)_retryCount);
            return DeterministicRandom.Mix(s, purpose);
        }

        // ------------------------------------------------------------ input/output processing

        private AslValue EffectiveInput(StateNode state)
        {
            if (state.InputPathIsNull) return AslObject.Empty;
            if (state.InputPath is null) return _input;
            _ctx.Input = _input;
            return _ctx.ResolveIoPath(state.InputPath);
        }

        private AslValue ApplyOutputPath(StateNode state, AslValue value)
        {
            if (state.OutputPathIsNull) return AslObject.Empty;
            if (state.OutputPath is null) return value;
            _ctx.Input = value;
            return _ctx.ResolveIoPath(state.OutputPath);
        }

        private AslObject? EvaluateAssign(ObjectNode? assign, AslValue dollar)
        {
            if (assign is null) return null;
            _ctx.Input = dollar;
            return assign.EvaluateObject(_ctx);
        }

        private JsonataScope Scope(AslValue? result = null, AslValue? errorOutput = null) => new(_ctx, _input, result, errorOutput);

        private static AslObject? JsonataAssign(JTemplate? assign, JsonataScope scope) =>
            assign is null ? null : assign.Evaluate(scope, "Assign") as AslObject;

        private static AslValue JsonataOutput(JTemplate? output, JsonataScope scope, AslValue fallback) =>
            output is null ? fallback : output.Evaluate(scope, "Output");

        /// <summary>A JSONata expression that must give a whole number in a range (MaxConcurrency, TimeoutSeconds, Seconds, …).</summary>
        private int JsonataInt(JTemplate template, string field, int min)
        {
            var v = template.Evaluate(Scope(), field);
            if (v is AslNumber { IsIntegral: true } n && n.Double >= min && n.Double <= 99_999_999) return (int)n.Double;
            throw JTemplate.Failure($"The JSONata expression '{template.ExpressionText}' specified for the field '{field}' returned an unexpected result type. Expected 'integer' of at least {min}, but was '{JsonataChoiceCondition.JsonataTypeName(v)}' for value: {v.ToJsonString()}");
        }

        /// <summary>Leaves the state: emits …StateExited, applies the assignments, then moves to <paramref name="next"/> or ends the frame.</summary>
        private void Exit(StateNode state, AslValue output, AslObject? assigned, string? next)
        {
            Emit(state.ExitedEventType, name: state.Name, output: output, assigned: assigned);
            if (assigned is { Count: > 0 }) _vars = _vars is null ? assigned : _vars.Merge(assigned);
            if (next is null)
            {
                _status = FrameStatus.Succeeded;
                _output = output;
                EmitFrameEnd(succeeded: true);
                _action = new CompletedAction(output);
                return;
            }
            _stateName = next;
            _input = output;
            _entered = false;
        }

        private static string? NextOf(StateNode state) => state.End ? null : state.Next;

        // ------------------------------------------------------------ states

        private void ExecPass(PassStateNode state)
        {
            if (state.Jsonata is { } j)
            {
                var scope = Scope();
                var jAssigned = JsonataAssign(j.Assign, scope);
                Exit(state, JsonataOutput(j.Output, scope, _input), jAssigned, NextOf(state));
                return;
            }
            var effective = EffectiveInput(state);
            AslValue result;
            if (state.Result is not null)
            {
                if (state.ResultTooLarge)
                    throw new AslRuntimeException(AslErrorNames.DataLimitExceeded,
                        $"The state/task '{state.Name}' returned a result with a size exceeding the maximum number of bytes service limit.", terminal: true);
                result = state.Result;
            }
            else if (state.Parameters is not null)
            {
                _ctx.Input = effective;
                result = state.Parameters.Evaluate(_ctx);
            }
            else
            {
                result = effective;
            }
            var assigned = EvaluateAssign(state.Assign, result);
            var output = ApplyOutputPath(state, state.ResultPath.Apply(_input, result));
            Exit(state, output, assigned, NextOf(state));
        }

        private void ExecChoice(ChoiceStateNode state)
        {
            var effective = EffectiveInput(state);
            _ctx.Input = effective;
            string? next = null;
            ObjectNode? assign = null;
            ChoiceBranch? matched = null;
            foreach (var branch in state.Choices)
            {
                if (branch.Condition.Evaluate(_ctx))
                {
                    next = branch.Next;
                    assign = branch.Assign;
                    matched = branch;
                    break;
                }
            }
            if (next is null)
            {
                if (state.Default is null) throw new AslRuntimeException(AslErrorNames.NoChoiceMatched, "No Matches!");
                next = state.Default;
                assign = state.Assign;
            }
            if (state.Jsonata is { } j)
            {
                var scope = Scope();
                var jAssigned = JsonataAssign(matched is null ? j.Assign : matched.JsonataAssign, scope);
                Exit(state, JsonataOutput(matched is null ? j.Output : matched.JsonataOutput, scope, _input), jAssigned, next);
                return;
            }
            var assigned = EvaluateAssign(assign, effective);
            Exit(state, ApplyOutputPath(state, effective), assigned, next);
        }

        private void ExecWait(WaitStateNode state)
        {
            var effective = EffectiveInput(state);
            _ctx.Input = effective;
            var until = WaitDeadline(state);
            if (until > _now)
            {
                _timer = TimerPurpose.WaitState;
                _waitUntil = until;
                Suspend(new WaitUntilAction(until, TimerPurpose.WaitState), FrameStatus.AwaitingTimer);
                return;
            }
            FinishWait(state);
        }

        private void FinishWait(WaitStateNode state)
        {
            if (state.Jsonata is { } j)
            {
                var scope = Scope();
                var jAssigned = JsonataAssign(j.Assign, scope);
                Exit(state, JsonataOutput(j.Output, scope, _input), jAssigned, NextOf(state));
                return;
            }
            var effective = EffectiveInput(state);
            var assigned = EvaluateAssign(state.Assign, effective);
            Exit(state, ApplyOutputPath(state, effective), assigned, NextOf(state));
        }

        private DateTimeOffset WaitDeadline(WaitStateNode state)
        {
            if (state.Seconds is { } seconds) return _enteredTime.AddSeconds(seconds);
            if (state.Timestamp is { } ts) return ts;
            if (state.Jsonata?.Seconds is { } jSeconds) return _enteredTime.AddSeconds(JsonataInt(jSeconds, "Seconds", 0));
            if (state.Jsonata?.Timestamp is { } jTimestamp)
            {
                var v = jTimestamp.Evaluate(Scope(), "Timestamp");
                if (v is AslString text && Rfc3339.TryParse(text.Value, out var when)) return when;
                throw JTemplate.Failure($"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {Render(v)}");
            }
            if (state.SecondsPath is { } secondsPath)
            {
                var v = _ctx.ResolveIoPath(secondsPath);
                if (v is not AslNumber n || !n.IsIntegral || Math.Abs(n.Double) > long.MaxValue)
                    throw new AslRuntimeException(AslErrorNames.Runtime, $"The SecondsPath parameter cannot be parsed as a long value: {secondsPath.Text} == {Render(v)}");
                if (n.Double < 0)
                    throw new AslRuntimeException(AslErrorNames.Runtime, $"The SecondsPath parameter references a negative value: {secondsPath.Text} == {Render(v)}");
                return _enteredTime.AddSeconds(Math.Min(n.Double, 99_999_999d * 10));
            }
            var tsPath = state.TimestampPath!;
            var tv = _ctx.ResolveIoPath(tsPath);
            if (tv is AslString s && Rfc3339.TryParse(s.Value, out var parsed)) return parsed;
            throw new AslRuntimeException(AslErrorNames.Runtime,
                $"The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {tsPath.Text} == {Render(tv)}");
        }

        private void ExecFail(FailStateNode state)
        {
            _ctx.Input = _input;
            var error = state.Error ?? (state.Jsonata?.Error is { } je ? Render(je.Evaluate(Scope(), "Error")) : Dynamic(state.ErrorPath, "ErrorPath"));
            var cause = state.Cause ?? (state.Jsonata?.Cause is { } jc ? Render(jc.Evaluate(Scope(), "Cause")) : Dynamic(state.CausePath, "CausePath"));
            FailFrame(error, cause);
        }

        private string? Dynamic(DynamicString? value, string field)
        {
            if (value is null) return null;
            var v = value.Call is not null ? value.Call.Evaluate(_ctx) : _ctx.ResolveField(value.Path!, field);
            return v is AslString s ? s.Value : v.ToJsonString();
        }

        private void ExecTask(TaskStateNode state)
        {
            var effective = EffectiveInput(state);
            _ctx.Input = effective;
            var resource = state.Resource;
            string? token = null;
            if (resource.Pattern == IntegrationPattern.WaitForTaskToken)
            {
                token = new DeterministicRandom(Seed(state, 3)).NextUuid() + new DeterministicRandom(Seed(state, 4)).NextUuid().Replace("-", "", StringComparison.Ordinal);
                _ctx.SetTaskToken(token);
            }
            var input = state.Jsonata is { } j
                ? (j.Arguments is null ? _input : j.Arguments.Evaluate(Scope(), "Arguments"))
                : state.Parameters is null ? effective : state.Parameters.Evaluate(_ctx);
            _ctx.Input = effective;
            var timeout = state.TimeoutSeconds ?? (state.TimeoutSecondsPath is { } tp ? PositiveSeconds(tp, "TimeoutSecondsPath")
                : state.Jsonata?.TimeoutSeconds is { } jt ? JsonataInt(jt, "TimeoutSeconds", 1) : null);
            var heartbeat = state.HeartbeatSeconds ?? (state.HeartbeatSecondsPath is { } hp ? PositiveSeconds(hp, "HeartbeatSecondsPath")
                : state.Jsonata?.HeartbeatSeconds is { } jh ? JsonataInt(jh, "HeartbeatSeconds", 1) : null);
            var credentials = state.Credentials?.Evaluate(_ctx);

            string? functionName = resource.FunctionName;
            string? qualifier = resource.Qualifier;
            AslValue? payload = null;
            if (resource.Kind == TaskResourceKind.LambdaInvoke)
            {
                if (input is not AslObject parameters || !parameters.TryGetValue("FunctionName", out var fn) || fn is not AslString fnString)
                    throw new AslRuntimeException(AslErrorNames.Runtime, "The field 'FunctionName' is required by arn:aws:states:::lambda:invoke and must be a string");
                (functionName, qualifier) = TaskResource.ParseFunctionReference(fnString.Value);
                if (parameters.TryGetValue("Qualifier", out var q) && q is AslString qs) qualifier = qs.Value;
                parameters.TryGetValue("Payload", out payload);
            }

            var request = new TaskRequest
            {
                IdempotencyKey = TaskKey(_exec, _frameId, state.Name, _visit, _retryCount),
                ExecutionId = _exec.ExecutionId,
                FrameId = _frameId,
                StateName = state.Name,
                Attempt = _retryCount,
                MapIndex = _kind is FrameKind.MapIteration or FrameKind.MapRunItem ? _index : null,
                Resource = resource,
                Input = input,
                FunctionName = functionName,
                FunctionQualifier = qualifier,
                Payload = payload,
                TimeoutSeconds = timeout,
                HeartbeatSeconds = heartbeat,
                TaskToken = token,
                Credentials = credentials,
                ScheduledAt = _now,
            };

            if (resource.UsesLambdaEvents)
            {
                Emit("LambdaFunctionScheduled", input: input, resource: resource.Raw, timeout: timeout);
                Emit("LambdaFunctionStarted");
            }
            else if (resource.Kind == TaskResourceKind.Activity)
            {
                Emit("ActivityScheduled", input: input, resource: resource.Raw, timeout: timeout, heartbeat: heartbeat);
                Emit("ActivityStarted");
            }
            else
            {
                Emit("TaskScheduled", parameters: input, resource: resource.EventResource, resourceType: resource.EventResourceType, timeout: timeout, heartbeat: heartbeat,
                    region: resource.Region ?? _exec.Region);
                Emit("TaskStarted", resource: resource.EventResource, resourceType: resource.EventResourceType);
            }
            _taskToken = token;
            Suspend(new InvokeTaskAction(request), FrameStatus.AwaitingTask);
        }

        private int PositiveSeconds(JsonPathExpression path, string field)
        {
            var v = _ctx.ResolveIoPath(path);
            if (v is AslNumber { IsIntegral: true } n && n.Double is >= 1 and <= 99_999_999) return (int)n.Double;
            throw new AslRuntimeException(AslErrorNames.Runtime, $"The {field} field refers to value \"{Render(v)}\" which is not a valid positive integer: {path.Text}");
        }

        public void TaskSucceeded(AslValue result)
        {
            var state = (TaskStateNode)_def.GetState(_graph, _stateName!);
            _status = FrameStatus.Ready;
            _taskToken = null;
            PrepareContext(state);
            var resource = state.Resource;
            if (resource.UsesLambdaEvents) Emit("LambdaFunctionSucceeded", output: result);
            else if (resource.Kind == TaskResourceKind.Activity) Emit("ActivitySucceeded", output: result);
            else Emit("TaskSucceeded", output: result, resource: resource.EventResource, resourceType: resource.EventResourceType);

            if (AslJson.EstimateUtf8Size(result, PayloadQuotaBytes) > PayloadQuotaBytes)
            {
                var what = resource.Kind == TaskResourceKind.LambdaInvoke ? resource.EventResourceType : resource.Raw;
                HandleError(state, AslErrorNames.DataLimitExceeded,
                    $"The state/task '{what}' returned a result with a size exceeding the maximum number of bytes service limit.", terminal: false);
                return;
            }
            try
            {
                CompleteExecuting(state, result);
            }
            catch (AslRuntimeException e)
            {
                HandleError(state, e.Error, e.Cause, e.Terminal);
            }
        }

        public void TaskFailed(string error, string? cause)
        {
            var state = (TaskStateNode)_def.GetState(_graph, _stateName!);
            _status = FrameStatus.Ready;
            _taskToken = null;
            PrepareContext(state);
            var resource = state.Resource;
            var timedOut = error is AslErrorNames.Timeout or AslErrorNames.HeartbeatTimeout;
            if (resource.UsesLambdaEvents) Emit(timedOut ? "LambdaFunctionTimedOut" : "LambdaFunctionFailed", error: error, cause: cause);
            else if (resource.Kind == TaskResourceKind.Activity) Emit(timedOut ? "ActivityTimedOut" : "ActivityFailed", error: error, cause: cause);
            else Emit(timedOut ? "TaskTimedOut" : "TaskFailed", error: error, cause: cause, resource: resource.EventResource, resourceType: resource.EventResourceType);
            HandleError(state, error, cause, terminal: false, local: false);
        }

        /// <summary>ResultSelector, Assign, ResultPath and OutputPath on a Task/Parallel/Map result, then leave the state.</summary>
        private void CompleteExecuting(ExecutingStateNode state, AslValue result)
        {
            if (state.Jsonata is { } j)
            {
                var scope = Scope(result);
                var jAssigned = JsonataAssign(j.Assign, scope);
                Exit(state, JsonataOutput(j.Output, scope, result), jAssigned, NextOf(state));
                return;
            }
            var selected = result;
            if (state.ResultSelector is not null)
            {
                _ctx.Input = result;
                selected = state.ResultSelector.Evaluate(_ctx);
            }
            var assigned = EvaluateAssign(state.Assign, selected);
            var output = ApplyOutputPath(state, state.ResultPath.Apply(_input, selected));
            Exit(state, output, assigned, NextOf(state));
        }

        private void ExecParallel(ParallelStateNode state)
        {
            var effective = EffectiveInput(state);
            _ctx.Input = effective;
            var branchInput = state.Jsonata is { } j
                ? (j.Arguments is null ? _input : j.Arguments.Evaluate(Scope(), "Arguments"))
                : state.Parameters is null ? effective : state.Parameters.Evaluate(_ctx);
            var inherited = VisibleVariables();
            var children = new FrameState[state.Branches.Count];
            for (var i = 0; i < children.Length; i++)
                children[i] = NewChild(state, FrameKind.ParallelBranch, state.Branches[i], i, branchInput, inherited);
            Emit("ParallelStateStarted");
            _childCount = children.Length;
            Suspend(new StartChildrenAction(new ChildBatch { StateName = state.Name, Kind = ChildBatchKind.Parallel, Children = children }), FrameStatus.AwaitingChildren);
        }

        private void ExecMap(MapStateNode state)
        {
            var effective = EffectiveInput(state);
            _ctx.Input = effective;
            if (state.UsesUnsupportedMapFeatures)
                throw new AslRuntimeException(AslErrorNames.ItemReaderFailed, "ItemReader, ItemBatcher and ResultWriter are not supported by Contrail's ASL engine.");
            AslArray items;
            if (state.Jsonata is { } j)
            {
                if (j.Items is { } itemsTemplate)
                {
                    var v = itemsTemplate.Evaluate(Scope(), "Items");
                    items = v as AslArray ?? throw JTemplate.Failure(
                        $"The JSONata expression '{itemsTemplate.ExpressionText}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{JsonataChoiceCondition.JsonataTypeName(v)}' for value: {v.ToJsonString()}");
                }
                else
                {
                    items = _input as AslArray ?? throw JTemplate.Failure($"Map state input must be an array but was: {_input.ToJsonString()}");
                }
            }
            else
            {
                var itemsValue = state.ItemsPath is null ? effective : _ctx.ResolveIoPath(state.ItemsPath);
                items = itemsValue as AslArray ?? throw new AslRuntimeException(AslErrorNames.Runtime,
                    $"Invalid path '{state.ItemsPath?.Text ?? "$"}' : The ItemsPath field must reference a JSON array, but it references {Render(itemsValue)}");
            }
            _ctx.Input = effective;
            var maxConcurrency = MaxConcurrency(state);

            var children = new FrameState[items.Count];
            var kind = state.IsDistributed ? FrameKind.MapRunItem : FrameKind.MapIteration;
            var inherited = state.IsDistributed ? null : VisibleVariables();
            for (var i = 0; i < children.Length; i++)
            {
                var item = items[i];
                AslValue childInput = item;
                if (state.Jsonata?.ItemSelector is { } jSelector)
                {
                    _ctx.SetMapItem(i, item);
                    childInput = jSelector.Evaluate(Scope(), "ItemSelector");
                }
                else if (state.ItemSelector is not null)
                {
                    _ctx.SetMapItem(i, item);
                    _ctx.Input = effective;
                    childInput = state.ItemSelector.Evaluate(_ctx);
                }
                children[i] = NewChild(state, kind, state.Processor, i, childInput, inherited);
            }
            _ctx.SetMapItem(-1, null);

            Emit("MapStateStarted", length: items.Count);
            _ctx.Input = effective;
            var (toleratedCount, toleratedPercentage) = Tolerance(state); // AWS evaluates these after MapStateStarted
            if (state.IsDistributed) Emit("MapRunStarted");
            if (children.Length == 0)
            {
                if (state.IsDistributed) Emit("MapRunSucceeded");
                Emit("MapStateSucceeded");
                CompleteExecuting(state, AslArray.Empty);
                return;
            }
            _childCount = children.Length;
            Suspend(new StartChildrenAction(new ChildBatch
            {
                StateName = state.Name,
                Kind = state.IsDistributed ? ChildBatchKind.DistributedMap : ChildBatchKind.InlineMap,
                Children = children,
                MaxConcurrency = maxConcurrency,
                ToleratedFailureCount = state.IsDistributed ? toleratedCount : null,
                ToleratedFailurePercentage = state.IsDistributed ? toleratedPercentage : null,
            }), FrameStatus.AwaitingChildren);
        }

        private int MaxConcurrency(MapStateNode state)
        {
            if (state.MaxConcurrency is { } literal) return literal;
            if (state.Jsonata?.MaxConcurrency is { } jmc) return JsonataInt(jmc, "MaxConcurrency", 0);
            if (state.MaxConcurrencyPath is not { } path) return 0;
            var v = _ctx.ResolveIoPath(path);
            if (AsInteger(v) is { } n && n >= 0 && n <= int.MaxValue) return (int)n;
            throw new AslRuntimeException(AslErrorNames.Runtime, $"The MaxConcurrencyPath field refers to value \"{Render(v)}\" which is not a valid integer: {path.Text}");
        }

        private (int? Count, double? Percentage) Tolerance(MapStateNode state)
        {
            int? count = state.ToleratedFailureCount;
            if (state.Jsonata?.ToleratedFailureCount is { } jtc) count = JsonataInt(jtc, "ToleratedFailureCount", 0);
            double? jsonataPercentage = null;
            if (state.Jsonata?.ToleratedFailurePercentage is { } jtp)
            {
                var v = jtp.Evaluate(Scope(), "ToleratedFailurePercentage");
                if (v is not AslNumber { Double: >= 0 and <= 100 } pct)
                    throw JTemplate.Failure($"The JSONata expression '{jtp.ExpressionText}' specified for the field 'ToleratedFailurePercentage' returned an unexpected result type. Expected 'number' between 0 and 100, but was '{JsonataChoiceCondition.JsonataTypeName(v)}' for value: {v.ToJsonString()}");
                jsonataPercentage = pct.Double;
            }
            if (state.ToleratedFailureCountPath is { } countPath)
            {
                var v = _ctx.ResolveIoPath(countPath);
                var n = AsInteger(v)
                    ?? throw new AslRuntimeException(AslErrorNames.Runtime, $"The ToleratedFailureCountPath field refers to value \"{Render(v)}\" which is not a valid integer: {countPath.Text}");
                if (n < 0) throw new AslRuntimeException(AslErrorNames.Runtime, "ToleratedFailureCount cannot be negative.");
                count = (int)Math.Min(n, int.MaxValue);
            }
            double? percentage = jsonataPercentage ?? state.ToleratedFailurePercentage;
            if (state.ToleratedFailurePercentagePath is { } pctPath)
            {
                var v = _ctx.ResolveIoPath(pctPath);
                double p;
                if (v is AslNumber num) p = num.Double;
                else if (v is AslString s && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)) p = parsed;
                else throw new AslRuntimeException(AslErrorNames.Runtime, $"The ToleratedFailurePercentagePath field refers to value \"{Render(v)}\" which is not a valid float: {pctPath.Text}");
                if (p is < 0 or > 100) throw new AslRuntimeException(AslErrorNames.Runtime, "ToleratedFailurePercentage must be between 0 and 100.");
                percentage = p;
            }
            return (count, percentage);
        }

        private static long? AsInteger(AslValue v)
        {
            if (v is AslNumber { IsIntegral: true } n) return (long)n.Double;
            if (v is AslString s && long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)) return parsed;
            return null;
        }

        private AslObject? VisibleVariables()
        {
            if (_vars is null) return _inherited;
            if (_inherited is null) return _vars;
            return _inherited.Merge(_vars);
        }

        private FrameState NewChild(StateNode state, FrameKind kind, StateGraph graph, int index, AslValue input, AslObject? inherited) => new()
        {
            FrameId = string.Create(CultureInfo.InvariantCulture, $"{_frameId}/{state.Name}#{_visit}.{_retryCount}[{index}]"),
            Kind = kind,
            GraphIndex = graph.Index,
            Index = index,
            ParentState = state.Name,
            Status = FrameStatus.Ready,
            StateName = graph.StartAt,
            Input = input,
            LastEventId = _lastEventId,
            InheritedVariables = inherited,
        };

        public void ChildrenDone(IReadOnlyList<ChildOutcome> outcomes)
        {
            var state = (ExecutingStateNode)_def.GetState(_graph, _stateName!);
            _status = FrameStatus.Ready;
            var count = _childCount;
            _childCount = 0;
            PrepareContext(state);
            var ordered = new ChildOutcome[count];
            var seen = new bool[count];
            foreach (var o in outcomes)
            {
                if ((uint)o.Index >= (uint)count || seen[o.Index]) throw new ArgumentException($"Child outcome index {o.Index} is out of range or repeated.", nameof(outcomes));
                ordered[o.Index] = o;
                seen[o.Index] = true;
            }
            try
            {
                if (state is MapStateNode { IsDistributed: true } map)
                {
                    _ctx.Input = EffectiveInput(map);
                    var (tCount, tPct) = Tolerance(map);
                    var failed = ordered.Count(o => o.Status != ChildOutcomeStatus.Succeeded);
                    var batch = new ChildBatch { StateName = map.Name, Kind = ChildBatchKind.DistributedMap, Children = new FrameState[count], ToleratedFailureCount = tCount, ToleratedFailurePercentage = tPct };
                    if (batch.FailsWith(failed))
                    {
                        const string cause = "The specified tolerated failure threshold was exceeded";
                        Emit("MapRunFailed", error: AslErrorNames.ExceedToleratedFailureThreshold, cause: cause);
                        HandleError(state, AslErrorNames.ExceedToleratedFailureThreshold, cause, terminal: false, beforeGivingUp: "MapStateFailed", local: false);
                        return;
                    }
                    var results = new AslValue[count];
                    for (var i = 0; i < count; i++)
                        results[i] = ordered[i].Status == ChildOutcomeStatus.Succeeded ? ordered[i].Output ?? AslValue.Null : ErrorOutput(ordered[i].Error, ordered[i].Cause);
                    Emit("MapRunSucceeded");
                    Emit("MapStateSucceeded");
                    CompleteExecuting(state, new AslArray(results));
                    return;
                }

                var prefix = state is ParallelStateNode ? "ParallelState" : "MapState";
                ChildOutcome? failure = null;
                foreach (var o in ordered)
                    if (o.Status == ChildOutcomeStatus.Failed && (failure is null || o.Sequence < failure.Value.Sequence))
                        failure = o;
                if (failure is { } f)
                {
                    HandleError(state, f.Error, f.Cause, terminal: false, beforeGivingUp: prefix + "Failed", local: false);
                    return;
                }
                if (ordered.Any(o => o.Status != ChildOutcomeStatus.Succeeded))
                    throw new ArgumentException("Children that did not run can only be reported after a failed child.", nameof(outcomes));
                var outputs = new AslValue[count];
                for (var i = 0; i < count; i++) outputs[i] = ordered[i].Output ?? AslValue.Null;
                Emit(prefix + "Succeeded");
                CompleteExecuting(state, new AslArray(outputs));
            }
            catch (AslRuntimeException e)
            {
                HandleError(state, e.Error, e.Cause, e.Terminal);
            }
        }

        public void TimerFired()
        {
            var state = _def.GetState(_graph, _stateName!);
            _status = FrameStatus.Ready;
            var purpose = _timer;
            _timer = TimerPurpose.None;
            _waitUntil = null;
            if (purpose != TimerPurpose.WaitState) return; // a retry: the loop runs the state again
            PrepareContext(state);
            try
            {
                FinishWait((WaitStateNode)state);
            }
            catch (AslRuntimeException e)
            {
                HandleError(state, e.Error, e.Cause, e.Terminal);
            }
        }

        // ------------------------------------------------------------ errors

        /// <param name="beforeGivingUp">An event to emit when the error is not retried (AWS records MapStateFailed/ParallelStateFailed only then).</param>
        /// <param name="local">False when the error comes from a task or a child frame (it was recorded where it happened).</param>
        private void HandleError(StateNode state, string? error, string? cause, bool terminal, string? beforeGivingUp = null, bool local = true)
        {
            if (local && error == AslErrorNames.QueryEvaluationError)
            {
                // AWS records a failed JSONata evaluation as its own event (and a Map/Parallel state as failed).
                cause = RuntimeCause(state, cause);
                Emit("EvaluationFailed", name: state.Name, error: error, cause: cause);
                beforeGivingUp ??= state switch { MapStateNode => "MapStateFailed", ParallelStateNode => "ParallelStateFailed", _ => null };
            }
            if (state is ExecutingStateNode exec)
            {
                if (TryRetry(exec, error, terminal)) return;
                if (beforeGivingUp is not null) Emit(beforeGivingUp);
                try
                {
                    if (TryCatch(exec, error, cause, terminal)) return;
                }
                catch (AslRuntimeException e)
                {
                    FailFrame(e.Error, RuntimeCause(state, e));
                    return;
                }
            }
            FailFrame(error, error is AslErrorNames.Runtime or AslErrorNames.QueryEvaluationError ? RuntimeCause(state, cause) : cause);
        }

        private string RuntimeCause(StateNode state, AslRuntimeException e) =>
            e.Error is AslErrorNames.Runtime or AslErrorNames.QueryEvaluationError ? RuntimeCause(state, e.Cause) : e.Cause;

        /// <summary>AWS prefixes run-time errors with the state and the id of its entered event.</summary>
        private string RuntimeCause(StateNode state, string? detail) =>
            detail is not null && detail.StartsWith("An error occurred while executing the state", StringComparison.Ordinal)
                ? detail
                : string.Create(CultureInfo.InvariantCulture, $"An error occurred while executing the state '{state.Name}' (entered at the event id #{_enteredEventId}). {detail}");

        private bool TryRetry(ExecutingStateNode state, string? error, bool terminal)
        {
            for (var i = 0; i < state.Retry.Length; i++)
            {
                var retrier = state.Retry[i];
                if (!retrier.Matches(error ?? "", terminal)) continue;
                var attempts = _retrierAttempts is null ? 0 : _retrierAttempts[i];
                if (attempts >= retrier.MaxAttempts) return false;
                var counters = _retrierAttempts is null ? new int[state.Retry.Length] : (int[])_retrierAttempts.Clone();
                counters[i] = attempts + 1;
                _retrierAttempts = counters;
                var delay = retrier.IntervalSeconds * Math.Pow(retrier.BackoffRate, attempts);
                if (retrier.MaxDelaySeconds is { } max) delay = Math.Min(delay, max);
                if (retrier.FullJitter) delay *= new DeterministicRandom(Seed(state, 2)).NextDouble();
                _retryCount++;
                if (delay <= 0) return true; // run again at once: the loop executes the entered state again
                var until = _now.AddSeconds(Math.Min(delay, 99_999_999d));
                _timer = TimerPurpose.RetryBackoff;
                _waitUntil = until;
                Suspend(new WaitUntilAction(until, TimerPurpose.RetryBackoff), FrameStatus.AwaitingTimer);
                return true;
            }
            return false;
        }

        private bool TryCatch(ExecutingStateNode state, string? error, string? cause, bool terminal)
        {
            foreach (var catcher in state.Catch)
            {
                if (!catcher.Matches(error ?? "", terminal)) continue;
                var errorOutput = ErrorOutput(error, cause);
                if (state.Jsonata is not null)
                {
                    var scope = Scope(errorOutput: errorOutput);
                    var jAssigned = JsonataAssign(catcher.JsonataAssign, scope);
                    Exit(state, JsonataOutput(catcher.JsonataOutput, scope, errorOutput), jAssigned, catcher.Next);
                    return true;
                }
                var assigned = EvaluateAssign(catcher.Assign, errorOutput);
                var output = catcher.ResultPath.Apply(_input, errorOutput);
                Exit(state, output, assigned, catcher.Next);
                return true;
            }
            return false;
        }

        private static AslObject ErrorOutput(string? error, string? cause)
        {
            var b = new AslObjectBuilder(2).Add("Error", error is null ? AslValue.Null : AslJson.Str(error));
            if (cause is not null) b.Add("Cause", AslJson.Str(cause));
            return b.Build();
        }

        private void FailFrame(string? error, string? cause)
        {
            _status = FrameStatus.Failed;
            _error = error;
            _cause = cause;
            EmitFrameEnd(succeeded: false);
            _action = new FailedAction(error, cause);
        }

        public void EndWith(FrameStatus status, string? eventType, string? error, string? cause)
        {
            _status = status;
            _error = error;
            _cause = cause;
            _timer = TimerPurpose.None;
            _waitUntil = null;
            if (eventType is not null) Emit(eventType, name: eventType == "MapIterationAborted" ? _parentState : null, index: eventType == "MapIterationAborted" ? _index : null, error: error, cause: cause);
            _action = new FailedAction(error, cause);
        }

        // ------------------------------------------------------------ events

        private void Suspend(StepAction action, FrameStatus status)
        {
            _status = status;
            _action = action;
        }

        private void EmitFrameEnd(bool succeeded)
        {
            switch (_kind)
            {
                case FrameKind.Root:
                    if (succeeded) Emit("ExecutionSucceeded", output: _output);
                    else Emit("ExecutionFailed", error: _error, cause: _cause);
                    break;
                case FrameKind.MapIteration:
                    Emit(succeeded ? "MapIterationSucceeded" : "MapIterationFailed", name: _parentState, index: _index);
                    break;
            }
        }

        private HistoryEvent? Emit(string type, string? name = null, AslValue? input = null, AslValue? output = null, AslValue? parameters = null,
            string? error = null, string? cause = null, string? resource = null, string? resourceType = null, int? index = null, int? length = null,
            long? timeout = null, long? heartbeat = null, AslObject? assigned = null, string? region = null, string? roleArn = null)
        {
            if (_quiet) return null;
            var id = _exec.EventIds.Next();
            var e = new HistoryEvent
            {
                Id = id,
                PreviousEventId = _lastEventId,
                Timestamp = _now,
                Type = type,
                FrameId = _frameId,
                Name = name,
                Input = input,
                Output = output,
                Parameters = parameters,
                Error = error,
                Cause = cause,
                Resource = resource,
                ResourceType = resourceType,
                Index = index,
                Length = length,
                TimeoutInSeconds = timeout,
                HeartbeatInSeconds = heartbeat,
                AssignedVariables = assigned,
                Region = region,
                RoleArn = roleArn,
            };
            _lastEventId = id;
            _events.Add(e);
            return e;
        }

        private static string Render(AslValue v) => v is AslString s ? s.Value : v.ToJsonString();
    }
}
