using System.Text.Json;

namespace Contrail.Workflows.Asl;

/// <summary>
/// Turns definition JSON into an <see cref="AslDefinition"/>, collecting every problem (with a JSON pointer) instead
/// of stopping at the first. The rules are those AWS applies at CreateStateMachine (schema, graph, paths, intrinsic
/// calls, Choice rules, Retry/Catch, resources, EXPRESS restrictions); run-time errors stay run-time errors.
/// </summary>
internal sealed class AslParser
{
    private static readonly HashSet<string> TopLevelFields = ["Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage"];
    private static readonly HashSet<string> GraphFields = ["Comment", "StartAt", "States", "ProcessorConfig"];

    private static readonly Dictionary<AslStateType, HashSet<string>> JsonPathFields = new()
    {
        [AslStateType.Pass] = ["Next", "End", "InputPath", "OutputPath", "Parameters", "Result", "ResultPath", "Assign"],
        [AslStateType.Task] = ["Next", "End", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials", "Assign"],
        [AslStateType.Choice] = ["InputPath", "OutputPath", "Choices", "Default", "Assign"],
        [AslStateType.Wait] = ["Next", "End", "InputPath", "OutputPath", "Seconds", "SecondsPath", "Timestamp", "TimestampPath", "Assign"],
        [AslStateType.Succeed] = ["InputPath", "OutputPath"],
        [AslStateType.Fail] = ["Error", "ErrorPath", "Cause", "CausePath"],
        [AslStateType.Parallel] = ["Next", "End", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "Branches", "Assign"],
        [AslStateType.Map] = ["Next", "End", "InputPath", "OutputPath", "ItemsPath", "ItemSelector", "Parameters", "ItemProcessor", "Iterator", "MaxConcurrency", "MaxConcurrencyPath", "ResultSelector", "ResultPath", "Retry", "Catch", "ToleratedFailureCount", "ToleratedFailureCountPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ItemReader", "ItemBatcher", "ResultWriter", "Label", "Assign"],
    };

    private static readonly Dictionary<AslStateType, HashSet<string>> JsonataFields = new()
    {
        [AslStateType.Pass] = ["Next", "End", "Output", "Assign"],
        [AslStateType.Task] = ["Next", "End", "Arguments", "Output", "Retry", "Catch", "Resource", "TimeoutSeconds", "HeartbeatSeconds", "Credentials", "Assign"],
        [AslStateType.Choice] = ["Choices", "Default", "Output", "Assign"],
        [AslStateType.Wait] = ["Next", "End", "Seconds", "Timestamp", "Output", "Assign"],
        [AslStateType.Succeed] = ["Output"],
        [AslStateType.Fail] = ["Error", "Cause"],
        [AslStateType.Parallel] = ["Next", "End", "Arguments", "Output", "Retry", "Catch", "Branches", "Assign"],
        [AslStateType.Map] = ["Next", "End", "Items", "ItemSelector", "ItemProcessor", "MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage", "ItemReader", "ItemBatcher", "ResultWriter", "Label", "Output", "Retry", "Catch", "Assign"],
    };

    private static readonly Dictionary<string, (ChoiceOperator Op, bool IsPath)> ChoiceOperators = BuildChoiceOperators();

    private const int MaxInt = 99_999_999;
    private const long PayloadQuota = 256 * 1024;

    private readonly AslParseOptions _options;
    private readonly List<AslProblem> _problems = new();
    private readonly List<StateGraph?> _graphs = new();
    private readonly Dictionary<string, string> _stateNames = new(StringComparer.Ordinal);
    private AslQueryLanguage _topLanguage;

    public AslParser(AslParseOptions options) => _options = options;

    public IReadOnlyList<AslProblem> Problems => _problems;

    public AslDefinition? Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 512 });
        }
        catch (JsonException e)
        {
            Problem(null, "", "The definition is not valid JSON: " + e.Message);
            return null;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                Problem(null, "", "The definition must be a JSON object");
                return null;
            }
            foreach (var p in root.EnumerateObject())
                if (!TopLevelFields.Contains(p.Name)) Problem(null, "/" + Escape(p.Name), $"Field \"{p.Name}\" is not allowed at the top level");

            string? comment = OptionalString(root, "Comment", "", null);
            string? version = OptionalString(root, "Version", "", null);
            int? timeout = null;
            if (root.TryGetProperty("TimeoutSeconds", out var t))
                timeout = PositiveInt(t, "/TimeoutSeconds", null, "TimeoutSeconds", min: 1);
            _topLanguage = AslQueryLanguage.JsonPath;
            if (root.TryGetProperty("QueryLanguage", out var ql))
                _topLanguage = ParseLanguage(ql, "/QueryLanguage", null) ?? AslQueryLanguage.JsonPath;

            var graph = ParseGraph(root, "", null, 0, _topLanguage);
            if (graph is null || _problems.Count > 0) return null;
            return new AslDefinition(graph, _graphs.Select(g => g!).ToArray(), comment, timeout, _topLanguage, version, _options.Type);
        }
    }

    // ---------------------------------------------------------------- graphs

    private StateGraph? ParseGraph(JsonElement obj, string pointer, string? owner, int branchIndex, AslQueryLanguage language)
    {
        var required = new List<string>();
        if (!obj.TryGetProperty("StartAt", out var startAtEl)) required.Add("StartAt");
        if (!obj.TryGetProperty("States", out var statesEl)) required.Add("States");
        if (required.Count > 0)
        {
            Problem(owner, pointer.Length == 0 ? "/" : pointer, $"These fields are required: [{string.Join(", ", required)}]");
            if (startAtEl.ValueKind == JsonValueKind.Undefined && statesEl.ValueKind == JsonValueKind.Undefined) return null;
        }
        if (owner is not null)
            foreach (var p in obj.EnumerateObject())
                if (!GraphFields.Contains(p.Name)) Problem(owner, pointer + "/" + Escape(p.Name), $"Field \"{p.Name}\" is not allowed in a branch or item processor");

        string? startAt = null;
        if (startAtEl.ValueKind != JsonValueKind.Undefined)
        {
            if (startAtEl.ValueKind == JsonValueKind.String) startAt = startAtEl.GetString();
            else Problem(owner, pointer + "/StartAt", "StartAt must be a string");
        }

        var index = _graphs.Count;
        _graphs.Add(null);
        var states = new Dictionary<string, StateNode>(StringComparer.Ordinal);
        var pointers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (statesEl.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in statesEl.EnumerateObject())
            {
                var statePointer = pointer + "/States/" + Escape(p.Name);
                if (p.Name.Length is 0 or > 80) Problem(p.Name, statePointer, "State names must be 1 to 80 characters long");
                if (_stateNames.TryGetValue(p.Name, out var previous))
                    Problem(p.Name, statePointer, $"State name '{p.Name}' is used more than once in the state machine (also at {previous})");
                else
                    _stateNames[p.Name] = statePointer;
                pointers[p.Name] = statePointer;
                var state = ParseState(p.Name, p.Value, statePointer, language);
                if (state is not null) states[p.Name] = state;
            }
            if (!statesEl.EnumerateObject().Any()) Problem(owner, pointer + "/States", "States must contain at least one state");
        }
        else if (statesEl.ValueKind != JsonValueKind.Undefined)
        {
            Problem(owner, pointer + "/States", "States must be an object");
        }

        var graph = new StateGraph(index, startAt ?? "", states, owner, branchIndex);
        foreach (var s in states.Values) s.Graph = graph;
        _graphs[index] = graph;

        if (startAt is not null && statesEl.ValueKind == JsonValueKind.Object)
        {
            if (!pointers.ContainsKey(startAt))
                Problem(owner, pointer + "/StartAt", $"Missing 'Next' target: StartAt '{startAt}' does not name a state in this {(owner is null ? "state machine" : "branch")}");
            CheckGraph(graph, pointers, pointer);
        }
        return graph;
    }

    /// <summary>Transition targets exist in the same state set, every state is reachable, and some state ends.</summary>
    private void CheckGraph(StateGraph graph, Dictionary<string, string> pointers, string pointer)
    {
        var known = pointers.Keys.ToHashSet(StringComparer.Ordinal);
        foreach (var (name, state) in graph.States)
            foreach (var (target, field) in Targets(state))
                if (!known.Contains(target))
                    Problem(name, pointers[name] + "/" + field, $"Missing 'Next' target: '{target}' is not a state in this {(graph.OwnerState is null ? "state machine" : "branch")}");

        if (!graph.States.ContainsKey(graph.StartAt)) return;
        var reached = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(graph.StartAt);
        reached.Add(graph.StartAt);
        while (queue.Count > 0)
        {
            var s = graph.States[queue.Dequeue()];
            foreach (var (target, _) in Targets(s))
                if (graph.States.ContainsKey(target) && reached.Add(target)) queue.Enqueue(target);
        }
        foreach (var name in pointers.Keys)
            if (!reached.Contains(name) && graph.States.ContainsKey(name))
                Problem(name, pointers[name], $"State '{name}' is not reachable from '{graph.StartAt}'");

        var hasTerminal = graph.States.Values.Any(s => s.End || s.Type is AslStateType.Succeed or AslStateType.Fail);
        if (!hasTerminal && graph.States.Count == pointers.Count)
            Problem(graph.OwnerState, pointer.Length == 0 ? "/States" : pointer + "/States", "No terminal state: no state has \"End\": true or is a Succeed or Fail state");
    }

    private static IEnumerable<(string Target, string Field)> Targets(StateNode state)
    {
        if (state.Next is not null) yield return (state.Next, "Next");
        if (state is ChoiceStateNode choice)
        {
            for (var i = 0; i < choice.Choices.Length; i++) yield return (choice.Choices[i].Next, $"Choices/{i}/Next");
            if (choice.Default is not null) yield return (choice.Default, "Default");
        }
        if (state is ExecutingStateNode exec)
            for (var i = 0; i < exec.Catch.Length; i++) yield return (exec.Catch[i].Next, $"Catch/{i}/Next");
    }

    // ---------------------------------------------------------------- states

    private StateNode? ParseState(string name, JsonElement el, string pointer, AslQueryLanguage inherited)
    {
        if (el.ValueKind != JsonValueKind.Object)
        {
            Problem(name, pointer, "A state must be a JSON object");
            return null;
        }
        if (!el.TryGetProperty("Type", out var typeEl))
        {
            Problem(name, pointer, "These fields are required: [Type]");
            return null;
        }
        if (typeEl.ValueKind != JsonValueKind.String || !Enum.TryParse<AslStateType>(typeEl.GetString(), ignoreCase: false, out var type) || !Enum.IsDefined(type))
        {
            Problem(name, pointer + "/Type", $"\"{(typeEl.ValueKind == JsonValueKind.String ? typeEl.GetString() : typeEl.ToString())}\" is not a valid state type (Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map)");
            return null;
        }

        var language = inherited;
        if (el.TryGetProperty("QueryLanguage", out var ql))
        {
            var declared = ParseLanguage(ql, pointer + "/QueryLanguage", name);
            if (declared is { } d)
            {
                if (_topLanguage == AslQueryLanguage.Jsonata && d == AslQueryLanguage.JsonPath)
                    Problem(name, pointer + "/QueryLanguage", "A state cannot use JSONPath when the state machine's QueryLanguage is JSONata");
                language = d;
            }
        }

        var allowed = language == AslQueryLanguage.Jsonata ? JsonataFields[type] : JsonPathFields[type];
        foreach (var p in el.EnumerateObject())
        {
            if (p.Name is "Type" or "Comment" or "QueryLanguage") continue;
            if (!allowed.Contains(p.Name))
                Problem(name, pointer + "/" + Escape(p.Name), $"Field \"{p.Name}\" is not allowed in a {type} state" + (language == AslQueryLanguage.Jsonata ? " using JSONata" : ""));
        }

        StateNode state = type switch
        {
            AslStateType.Pass => ParsePass(name, el, pointer, language),
            AslStateType.Task => ParseTask(name, el, pointer, language),
            AslStateType.Choice => ParseChoice(name, el, pointer, language),
            AslStateType.Wait => ParseWait(name, el, pointer, language),
            AslStateType.Succeed => new SucceedStateNode(name),
            AslStateType.Fail => ParseFail(name, el, pointer, language),
            AslStateType.Parallel => ParseParallel(name, el, pointer, language),
            _ => ParseMap(name, el, pointer, language),
        };
        state.QueryLanguage = language;
        state.Comment = OptionalString(el, "Comment", pointer, name);

        if (language == AslQueryLanguage.JsonPath)
        {
            if (allowed.Contains("InputPath")) (state.InputPath, state.InputPathIsNull) = ParseIoPath(el, "InputPath", pointer, name);
            if (allowed.Contains("OutputPath")) (state.OutputPath, state.OutputPathIsNull) = ParseIoPath(el, "OutputPath", pointer, name);
            if (el.TryGetProperty("Assign", out var assign) && allowed.Contains("Assign"))
                state.Assign = ParseAssign(assign, pointer + "/Assign", name);
        }
        else
        {
            var j = state.Jsonata ??= new JsonataFields();
            if (el.TryGetProperty("Output", out var output) && allowed.Contains("Output")) j.Output = Jsonata(output, pointer + "/Output", name);
            if (el.TryGetProperty("Assign", out var assign) && allowed.Contains("Assign")) j.Assign = ParseJsonataAssign(assign, pointer + "/Assign", name);
        }

        if (type is not (AslStateType.Choice or AslStateType.Succeed or AslStateType.Fail))
            ParseTransition(state, el, pointer);
        return state;
    }

    private void ParseTransition(StateNode state, JsonElement el, string pointer)
    {
        var hasNext = el.TryGetProperty("Next", out var next);
        var hasEnd = el.TryGetProperty("End", out var end);
        if (hasNext && hasEnd)
        {
            Problem(state.Name, pointer, "A state may have only one of [\"Next\", \"End\"]");
        }
        else if (!hasNext && !hasEnd)
        {
            Problem(state.Name, pointer, "A state must have either \"Next\" or \"End\": true");
        }
        if (hasNext)
        {
            if (next.ValueKind == JsonValueKind.String) state.Next = next.GetString();
            else Problem(state.Name, pointer + "/Next", "Next must be a string");
        }
        if (hasEnd)
        {
            if (end.ValueKind == JsonValueKind.True) state.End = true;
            else Problem(state.Name, pointer + "/End", "End must be true");
        }
    }

    private PassStateNode ParsePass(string name, JsonElement el, string pointer, AslQueryLanguage language)
    {
        var state = new PassStateNode(name);
        if (language == AslQueryLanguage.Jsonata) return state;
        if (el.TryGetProperty("Parameters", out var parameters)) state.Parameters = CompileTemplate(parameters, pointer + "/Parameters", name);
        if (el.TryGetProperty("Result", out var result))
        {
            state.Result = AslValue.FromJsonElement(result);
            state.ResultTooLarge = AslJson.EstimateUtf8Size(state.Result, PayloadQuota) > PayloadQuota;
        }
        state.ResultPath = ParseResultPath(el, pointer, name);
        return state;
    }

    private TaskStateNode ParseTask(string name, JsonElement el, string pointer, AslQueryLanguage language)
    {
        var state = new TaskStateNode(name);
        if (!el.TryGetProperty("Resource", out var resource))
        {
            Problem(name, pointer, "These fields are required: [Resource]");
            state.Resource = new TaskResource { Raw = "", Kind = TaskResourceKind.Other };
        }
        else if (resource.ValueKind != JsonValueKind.String)
        {
            Problem(name, pointer + "/Resource", "Resource must be a string");
            state.Resource = new TaskResource { Raw = "", Kind = TaskResourceKind.Other };
        }
        else
        {
            var raw = resource.GetString()!;
            TaskResource? resolved;
            if (_options.Resources == AslResourcePolicy.AnyUri)
            {
                if (!Uri.TryCreate(raw, UriKind.Absolute, out _) && !raw.Contains(':'))
                    Problem(name, pointer + "/Resource", $"Resource '{raw}' is not a URI");
                resolved = TaskResource.ResolveAny(raw);
            }
            else
            {
                resolved = TaskResource.TryResolve(raw, out var error);
                if (resolved is null) Problem(name, pointer + "/Resource", error!);
            }
            state.Resource = resolved ?? new TaskResource { Raw = raw, Kind = TaskResourceKind.Other };
            if (_options.Type == AslStateMachineType.Express && resolved is not null)
            {
                if (resolved.Kind == TaskResourceKind.Activity)
                    Problem(name, pointer + "/Resource", "Express state machine does not support Activity ARN");
                else if (resolved.Pattern is IntegrationPattern.Sync or IntegrationPattern.Sync2)
                    Problem(name, pointer + "/Resource", "Express state machine does not support '.sync' service integration");
                else if (resolved.Pattern == IntegrationPattern.WaitForTaskToken)
                    Problem(name, pointer + "/Resource", "Express state machine does not support '.waitForTaskToken' service integration");
            }
        }

        if (language == AslQueryLanguage.JsonPath)
        {
            if (el.TryGetProperty("Parameters", out var parameters)) state.Parameters = CompileTemplate(parameters, pointer + "/Parameters", name);
            if (el.TryGetProperty("ResultSelector", out var selector)) state.ResultSelector = CompileObjectTemplate(selector, pointer + "/ResultSelector", name, "ResultSelector");
            state.ResultPath = ParseResultPath(el, pointer, name);
        }
        else
        {
            var j = state.Jsonata ??= new JsonataFields();
            if (el.TryGetProperty("Arguments", out var arguments)) j.Arguments = Jsonata(arguments, pointer + "/Arguments", name);
            if (el.TryGetProperty("TimeoutSeconds", out var ts) && IsJsonataExpression(ts, language)) j.TimeoutSeconds = Jsonata(ts, pointer + "/TimeoutSeconds", name);
            if (el.TryGetProperty("HeartbeatSeconds", out var hs) && IsJsonataExpression(hs, language)) j.HeartbeatSeconds = Jsonata(hs, pointer + "/HeartbeatSeconds", name);
        }
        ParseRetryCatch(state, el, pointer, language);

        var hasTimeout = el.TryGetProperty("TimeoutSeconds", out var timeout);
        var hasTimeoutPath = el.TryGetProperty("TimeoutSecondsPath", out var timeoutPath);
        if (hasTimeout && hasTimeoutPath) Problem(name, pointer, "A Task state may have only one of [\"TimeoutSeconds\", \"TimeoutSecondsPath\"]");
        if (hasTimeout && !IsJsonataExpression(timeout, language)) state.TimeoutSeconds = PositiveInt(timeout, pointer + "/TimeoutSeconds", name, "TimeoutSeconds", 1);
        if (hasTimeoutPath) state.TimeoutSecondsPath = ParsePathField(timeoutPath, pointer + "/TimeoutSecondsPath", name, "TimeoutSecondsPath");

        var hasHeartbeat = el.TryGetProperty("HeartbeatSeconds", out var heartbeat);
        var hasHeartbeatPath = el.TryGetProperty("HeartbeatSecondsPath", out var heartbeatPath);
        if (hasHeartbeat && hasHeartbeatPath) Problem(name, pointer, "A Task state may have only one of [\"HeartbeatSeconds\", \"HeartbeatSecondsPath\"]");
        if (hasHeartbeat && !IsJsonataExpression(heartbeat, language)) state.HeartbeatSeconds = PositiveInt(heartbeat, pointer + "/HeartbeatSeconds", name, "HeartbeatSeconds", 1);
        if (hasHeartbeatPath) state.HeartbeatSecondsPath = ParsePathField(heartbeatPath, pointer + "/HeartbeatSecondsPath", name, "HeartbeatSecondsPath");
        if (state.HeartbeatSeconds is { } hb && state.TimeoutSeconds is { } to && hb >= to)
            Problem(name, pointer + "/HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds");

        if (el.TryGetProperty("Credentials", out var credentials))
        {
            if (credentials.ValueKind != JsonValueKind.Object)
                Problem(name, pointer + "/Credentials", "Credentials must be an object");
            else if (!credentials.EnumerateObject().Any(p => p.Name.Equals("RoleArn", StringComparison.OrdinalIgnoreCase) || p.Name.Equals("RoleArn.$", StringComparison.OrdinalIgnoreCase)))
                Problem(name, pointer + "/Credentials", "The field 'RoleArn' is required but was missing");
            else if (language == AslQueryLanguage.JsonPath)
                state.Credentials = CompileTemplate(credentials, pointer + "/Credentials", name);
        }
        return state;
    }

    private ChoiceStateNode ParseChoice(string name, JsonElement el, string pointer, AslQueryLanguage language)
    {
        var state = new ChoiceStateNode(name);
        if (!el.TryGetProperty("Choices", out var choices))
        {
            Problem(name, pointer, "These fields are required: [Choices]");
        }
        else if (choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
        {
            Problem(name, pointer + "/Choices", "Choices must be a non-empty array");
        }
        else
        {
            var branches = new List<ChoiceBranch>();
            var i = 0;
            foreach (var rule in choices.EnumerateArray())
            {
                var rulePointer = $"{pointer}/Choices/{i++}";
                var branch = ParseChoiceBranch(rule, rulePointer, name, language);
                if (branch is not null) branches.Add(branch);
            }
            state.Choices = branches.ToArray();
        }
        if (el.TryGetProperty("Default", out var def))
        {
            if (def.ValueKind == JsonValueKind.String) state.Default = def.GetString();
            else Problem(name, pointer + "/Default", "Default must be a string");
        }
        return state;
    }

    private ChoiceBranch? ParseChoiceBranch(JsonElement rule, string pointer, string stateName, AslQueryLanguage language)
    {
        if (rule.ValueKind != JsonValueKind.Object)
        {
            Problem(stateName, pointer, "A choice rule must be an object");
            return null;
        }
        string? next = null;
        if (!rule.TryGetProperty("Next", out var nextEl)) Problem(stateName, pointer, "These fields are required: [Next]");
        else if (nextEl.ValueKind != JsonValueKind.String) Problem(stateName, pointer + "/Next", "Next must be a string");
        else next = nextEl.GetString();

        ObjectNode? assign = null;
        JTemplate? jsonataAssign = null;
        JTemplate? jsonataOutput = null;
        if (rule.TryGetProperty("Assign", out var assignEl))
        {
            if (language == AslQueryLanguage.JsonPath) assign = ParseAssign(assignEl, pointer + "/Assign", stateName);
            else jsonataAssign = ParseJsonataAssign(assignEl, pointer + "/Assign", stateName);
        }
        if (language == AslQueryLanguage.Jsonata && rule.TryGetProperty("Output", out var outputEl)) jsonataOutput = Jsonata(outputEl, pointer + "/Output", stateName);

        ChoiceCondition? condition;
        if (language == AslQueryLanguage.Jsonata)
        {
            foreach (var p in rule.EnumerateObject())
                if (p.Name is not ("Condition" or "Next" or "Assign" or "Output" or "Comment"))
                    Problem(stateName, pointer + "/" + Escape(p.Name), $"Field \"{p.Name}\" is not allowed in a JSONata choice rule");
            if (!rule.TryGetProperty("Condition", out var cond))
            {
                Problem(stateName, pointer, "These fields are required: [Condition]");
                condition = null;
            }
            else
            {
                condition = cond.ValueKind switch
                {
                    JsonValueKind.True => new ConstantCondition(true),
                    JsonValueKind.False => new ConstantCondition(false),
                    JsonValueKind.String when IsJsonataText(cond.GetString()) => new JsonataChoiceCondition(Jsonata(cond, pointer + "/Condition", stateName)),
                    _ => null,
                };
                if (condition is null) Problem(stateName, pointer + "/Condition", "Condition must be a boolean or a JSONata expression");
            }
        }
        else
        {
            condition = ParseCondition(rule, pointer, stateName, topLevel: true);
        }
        if (condition is null || next is null) return null;
        return new ChoiceBranch { Condition = condition, Next = next, Assign = assign, JsonataAssign = jsonataAssign, JsonataOutput = jsonataOutput };
    }

    private ChoiceCondition? ParseCondition(JsonElement rule, string pointer, string stateName, bool topLevel)
    {
        if (rule.ValueKind != JsonValueKind.Object)
        {
            Problem(stateName, pointer, "A choice rule must be an object");
            return null;
        }
        if (!topLevel)
            foreach (var forbidden in new[] { "Next", "Assign" })
                if (rule.TryGetProperty(forbidden, out _))
                    Problem(stateName, pointer + "/" + forbidden, $"Field \"{forbidden}\" is only allowed in a top-level choice rule");

        var boolOps = new[] { "And", "Or", "Not" }.Where(o => rule.TryGetProperty(o, out _)).ToArray();
        var comparisons = rule.EnumerateObject().Where(p => ChoiceOperators.ContainsKey(p.Name)).ToArray();
        foreach (var p in rule.EnumerateObject())
        {
            if (p.Name is "Variable" or "Comment" or "And" or "Or" or "Not" || ChoiceOperators.ContainsKey(p.Name)) continue;
            if (topLevel && p.Name is "Next" or "Assign") continue;
            if (!topLevel && p.Name is "Next" or "Assign") continue;
            Problem(stateName, pointer + "/" + Escape(p.Name), $"Field \"{p.Name}\" is not allowed in a choice rule");
        }

        if (boolOps.Length + comparisons.Length != 1 || (boolOps.Length == 1 && rule.TryGetProperty("Variable", out _)))
        {
            Problem(stateName, pointer, "A choice rule must have exactly one comparison operator (with Variable) or one of And, Or, Not");
            return null;
        }

        if (boolOps.Length == 1)
        {
            var op = boolOps[0];
            var operand = rule.GetProperty(op);
            if (op == "Not")
            {
                var inner = ParseCondition(operand, pointer + "/Not", stateName, topLevel: false);
                return inner is null ? null : new NotCondition(inner);
            }
            if (operand.ValueKind != JsonValueKind.Array || operand.GetArrayLength() == 0)
            {
                Problem(stateName, pointer + "/" + op, $"{op} must be a non-empty array of choice rules");
                return null;
            }
            var operands = new List<ChoiceCondition>();
            var i = 0;
            var ok = true;
            foreach (var item in operand.EnumerateArray())
            {
                var c = ParseCondition(item, $"{pointer}/{op}/{i++}", stateName, topLevel: false);
                if (c is null) ok = false;
                else operands.Add(c);
            }
            if (!ok) return null;
            return op == "And" ? new AndCondition(operands.ToArray()) : new OrCondition(operands.ToArray());
        }

        if (!rule.TryGetProperty("Variable", out var variableEl))
        {
            Problem(stateName, pointer, "These fields are required: [Variable]");
            return null;
        }
        var variable = ParsePathField(variableEl, pointer + "/Variable", stateName, "Variable");
        var comparison = comparisons[0];
        var (opKind, isPath) = ChoiceOperators[comparison.Name];
        var value = comparison.Value;
        var valuePointer = pointer + "/" + comparison.Name;
        JsonPathExpression? operandPath = null;
        AslValue? literal = null;
        if (isPath)
        {
            operandPath = ParsePathField(value, valuePointer, stateName, comparison.Name);
        }
        else
        {
            var valid = opKind switch
            {
                >= ChoiceOperator.StringEquals and <= ChoiceOperator.StringMatches => value.ValueKind == JsonValueKind.String,
                >= ChoiceOperator.NumericEquals and <= ChoiceOperator.NumericGreaterThanEquals => value.ValueKind == JsonValueKind.Number,
                ChoiceOperator.BooleanEquals => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                >= ChoiceOperator.TimestampEquals and <= ChoiceOperator.TimestampGreaterThanEquals =>
                    value.ValueKind == JsonValueKind.String && Rfc3339.TryParse(value.GetString(), out _),
                _ => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            };
            if (!valid)
            {
                var expected = opKind switch
                {
                    >= ChoiceOperator.StringEquals and <= ChoiceOperator.StringMatches => "a string",
                    >= ChoiceOperator.NumericEquals and <= ChoiceOperator.NumericGreaterThanEquals => "a number",
                    >= ChoiceOperator.TimestampEquals and <= ChoiceOperator.TimestampGreaterThanEquals => "an RFC3339 timestamp string",
                    _ => "a boolean",
                };
                Problem(stateName, valuePointer, $"{comparison.Name} must be {expected}");
                return null;
            }
            literal = AslValue.FromJsonElement(value);
        }
        if (variable is null || (isPath && operandPath is null)) return null;
        return new ComparisonCondition(variable, opKind, literal, operandPath);
    }

    private WaitStateNode ParseWait(string name, JsonElement el, string pointer, AslQueryLanguage language)
    {
        var state = new WaitStateNode(name);
        var fields = new[] { "Seconds", "SecondsPath", "Timestamp", "TimestampPath" }.Where(f => el.TryGetProperty(f, out _)).ToArray();
        if (fields.Length != 1)
        {
            Problem(name, pointer, "A Wait state must have exactly one of [\"Seconds\", \"SecondsPath\", \"Timestamp\", \"TimestampPath\"]");
            return state;
        }
        var value = el.GetProperty(fields[0]);
        var fieldPointer = pointer + "/" + fields[0];
        if (IsJsonataExpression(value, language))
        {
            var j = state.Jsonata ??= new JsonataFields();
            if (fields[0] == "Seconds") j.Seconds = Jsonata(value, fieldPointer, name);
            else j.Timestamp = Jsonata(value, fieldPointer, name);
            return state;
        }
        switch (fields[0])
        {
            case "Seconds":
                if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) && seconds is >= 0 and <= MaxInt) state.Seconds = seconds;
                else Problem(name, fieldPointer, "Seconds must be an integer between 0 and 99999999");
                break;
            case "Timestamp":
                if (value.ValueKind == JsonValueKind.String && Rfc3339.TryParse(value.GetString(), out var ts)) state.Timestamp = ts;
                else Problem(name, fieldPointer, "String does not match RFC3339 timestamp");
                break;
            case "SecondsPath":
                state.SecondsPath = ParsePathField(value, fieldPointer, name, "SecondsPath");
                break;
            default:
                state.TimestampPath = ParsePathField(value, fieldPointer, name, "TimestampPath");
                break;
        }
        return state;
    }

    private FailStateNode ParseFail(string name, JsonElement el, string pointer, AslQueryLanguage language)
    {
        var state = new FailStateNode(name);
        if (el.TryGetProperty("Error", out _) && el.TryGetProperty("ErrorPath", out _))
            Problem(name, pointer, "A Fail state may have only one of [\"Error\", \"ErrorPath\"]");
        if (el.TryGetProperty("Cause", out _) && el.TryGetProperty("CausePath", out _))
            Problem(name, pointer, "A Fail state may have only one of [\"Cause\", \"CausePath\"]");
        state.Error = OptionalString(el, "Error", pointer, name);
        state.Cause = OptionalString(el, "Cause", pointer, name);
        if (language == AslQueryLanguage.Jsonata)
        {
            var j = state.Jsonata ??= new JsonataFields();
            if (IsJsonataText(state.Error))
            {
                j.Error = Jsonata(el.GetProperty("Error"), pointer + "/Error", name);
                state.Error = null;
            }
            if (IsJsonataText(state.Cause))
            {
                j.Cause = Jsonata(el.GetProperty("Cause"), pointer + "/Cause", name);
                state.Cause = null;
            }
        }
        if (el.TryGetProperty("ErrorPath", out var errorPath)) state.ErrorPath = ParseDynamicString(errorPath, pointer + "/ErrorPath", name, "ErrorPath");
        if (el.TryGetProperty("CausePath", out var causePath)) state.CausePath = ParseDynamicString(causePath, pointer + "/CausePath", name, "CausePath");
        return state;
    }

    private ParallelStateNode ParseParallel(string name, JsonElement el, string pointer, AslQueryLanguage language)
    {
        var state = new ParallelStateNode(name);
        if (language == AslQueryLanguage.JsonPath)
        {
            if (el.TryGetProperty("Parameters", out var parameters)) state.Parameters = CompileTemplate(parameters, pointer + "/Parameters", name);
            if (el.TryGetProperty("ResultSelector", out var selector)) state.ResultSelector = CompileObjectTemplate(selector, pointer + "/ResultSelector", name, "ResultSelector");
            state.ResultPath = ParseResultPath(el, pointer, name);
        }
        else if (el.TryGetProperty("Arguments", out var arguments))
        {
            (state.Jsonata ??= new JsonataFields()).Arguments = Jsonata(arguments, pointer + "/Arguments", name);
        }
        ParseRetryCatch(state, el, pointer, language);
        if (!el.TryGetProperty("Branches", out var branches))
        {
            Problem(name, pointer, "These fields are required: [Branches]");
            return state;
        }
        if (branches.ValueKind != JsonValueKind.Array || branches.GetArrayLength() == 0)
        {
            Problem(name, pointer + "/Branches", "Branches must be a non-empty array");
            return state;
        }
        var graphs = new List<StateGraph>();
        var i = 0;
        foreach (var branch in branches.EnumerateArray())
        {
            var branchPointer = $"{pointer}/Branches/{i}";
            if (branch.ValueKind != JsonValueKind.Object)
            {
                Problem(name, branchPointer, "A branch must be an object");
            }
            else
            {
                var graph = ParseGraph(branch, branchPointer, name, i, language);
                if (graph is not null) graphs.Add(graph);
            }
            i++;
        }
        state.Branches = graphs;
        return state;
    }

    private MapStateNode ParseMap(string name, JsonElement el, string pointer, AslQueryLanguage language)
    {
        var state = new MapStateNode(name);
        var hasProcessor = el.TryGetProperty("ItemProcessor", out var processor);
        var hasIterator = el.TryGetProperty("Iterator", out var iterator);
        if (hasProcessor && hasIterator) Problem(name, pointer, "A Map state may have only one of [\"ItemProcessor\", \"Iterator\"]");
        if (!hasProcessor && !hasIterator) Problem(name, pointer, "These fields are required: [ItemProcessor]");

        if (language == AslQueryLanguage.JsonPath)
        {
            if (el.TryGetProperty("ItemSelector", out _) && el.TryGetProperty("Parameters", out _))
                Problem(name, pointer, "A Map state may have only one of [\"ItemSelector\", \"Parameters\"]");
            if (el.TryGetProperty("ItemSelector", out var selector)) state.ItemSelector = CompileTemplate(selector, pointer + "/ItemSelector", name);
            else if (el.TryGetProperty("Parameters", out var parameters)) state.ItemSelector = CompileTemplate(parameters, pointer + "/Parameters", name);
            if (el.TryGetProperty("ItemsPath", out var itemsPath))
            {
                if (itemsPath.ValueKind == JsonValueKind.Null) Problem(name, pointer + "/ItemsPath", "Field \"ItemsPath\" must be a JSONPath, not null");
                else state.ItemsPath = ParsePathField(itemsPath, pointer + "/ItemsPath", name, "ItemsPath");
            }
            if (el.TryGetProperty("ResultSelector", out var resultSelector)) state.ResultSelector = CompileObjectTemplate(resultSelector, pointer + "/ResultSelector", name, "ResultSelector");
            state.ResultPath = ParseResultPath(el, pointer, name);
        }
        else
        {
            var j = state.Jsonata ??= new JsonataFields();
            if (el.TryGetProperty("Items", out var items)) j.Items = Jsonata(items, pointer + "/Items", name);
            if (el.TryGetProperty("ItemSelector", out var selector)) j.ItemSelector = Jsonata(selector, pointer + "/ItemSelector", name);
            if (el.TryGetProperty("MaxConcurrency", out var mc) && IsJsonataExpression(mc, language)) j.MaxConcurrency = Jsonata(mc, pointer + "/MaxConcurrency", name);
            if (el.TryGetProperty("ToleratedFailureCount", out var tfc) && IsJsonataExpression(tfc, language)) j.ToleratedFailureCount = Jsonata(tfc, pointer + "/ToleratedFailureCount", name);
            if (el.TryGetProperty("ToleratedFailurePercentage", out var tfp) && IsJsonataExpression(tfp, language)) j.ToleratedFailurePercentage = Jsonata(tfp, pointer + "/ToleratedFailurePercentage", name);
        }
        ParseRetryCatch(state, el, pointer, language);

        state.MaxConcurrency = ExclusiveInt(el, "MaxConcurrency", "MaxConcurrencyPath", pointer, name, language, min: 0, out var mcPath);
        state.MaxConcurrencyPath = mcPath;
        state.ToleratedFailureCount = ExclusiveInt(el, "ToleratedFailureCount", "ToleratedFailureCountPath", pointer, name, language, min: 0, out var tfcPath);
        state.ToleratedFailureCountPath = tfcPath;

        var hasPct = el.TryGetProperty("ToleratedFailurePercentage", out var pct);
        var hasPctPath = el.TryGetProperty("ToleratedFailurePercentagePath", out var pctPath);
        if (hasPct && hasPctPath) Problem(name, pointer, "A Map state may have only one of [\"ToleratedFailurePercentage\", \"ToleratedFailurePercentagePath\"]");
        if (hasPct && !IsJsonataExpression(pct, language))
        {
            if (pct.ValueKind == JsonValueKind.Number && pct.GetDouble() is >= 0 and <= 100) state.ToleratedFailurePercentage = pct.GetDouble();
            else Problem(name, pointer + "/ToleratedFailurePercentage", "ToleratedFailurePercentage must be a number between 0 and 100");
        }
        if (hasPctPath) state.ToleratedFailurePercentagePath = ParsePathField(pctPath, pointer + "/ToleratedFailurePercentagePath", name, "ToleratedFailurePercentagePath");

        if (el.TryGetProperty("Label", out var label) && (label.ValueKind != JsonValueKind.String || label.GetString()!.Length > 40))
            Problem(name, pointer + "/Label", "Label must be a string of at most 40 characters");
        if (el.TryGetProperty("ItemReader", out _) || el.TryGetProperty("ResultWriter", out _) || el.TryGetProperty("ItemBatcher", out _))
            state.UsesUnsupportedMapFeatures = true;

        var body = hasProcessor ? processor : iterator;
        var bodyField = hasProcessor ? "ItemProcessor" : "Iterator";
        if (hasProcessor || hasIterator)
        {
            if (body.ValueKind != JsonValueKind.Object)
            {
                Problem(name, pointer + "/" + bodyField, bodyField + " must be an object");
            }
            else
            {
                if (body.TryGetProperty("ProcessorConfig", out var config))
                {
                    if (config.ValueKind != JsonValueKind.Object)
                    {
                        Problem(name, $"{pointer}/{bodyField}/ProcessorConfig", "ProcessorConfig must be an object");
                    }
                    else
                    {
                        foreach (var p in config.EnumerateObject())
                        {
                            if (p.Name == "Mode")
                            {
                                if (p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is "INLINE" or "DISTRIBUTED")
                                    state.IsDistributed = p.Value.GetString() == "DISTRIBUTED";
                                else Problem(name, $"{pointer}/{bodyField}/ProcessorConfig/Mode", "Mode must be INLINE or DISTRIBUTED");
                            }
                            else if (p.Name == "ExecutionType")
                            {
                                if (p.Value.ValueKind != JsonValueKind.String || p.Value.GetString() is not ("STANDARD" or "EXPRESS"))
                                    Problem(name, $"{pointer}/{bodyField}/ProcessorConfig/ExecutionType", "ExecutionType must be STANDARD or EXPRESS");
                            }
                            else
                            {
                                Problem(name, $"{pointer}/{bodyField}/ProcessorConfig/{Escape(p.Name)}", $"Field \"{p.Name}\" is not allowed in ProcessorConfig");
                            }
                        }
                    }
                }
                var graph = ParseGraph(body, pointer + "/" + bodyField, name, 0, language);
                if (graph is not null) state.Processor = graph;
            }
        }
        // ToleratedFailure* on an inline Map: AWS accepts them and ignores them; so does the engine.
        return state;
    }

    private int? ExclusiveInt(JsonElement el, string field, string pathField, string pointer, string name, AslQueryLanguage language, int min, out JsonPathExpression? path)
    {
        path = null;
        var has = el.TryGetProperty(field, out var value);
        var hasPath = el.TryGetProperty(pathField, out var pathValue);
        if (has && hasPath) Problem(name, pointer, $"A Map state may have only one of [\"{field}\", \"{pathField}\"]");
        if (hasPath) path = ParsePathField(pathValue, pointer + "/" + pathField, name, pathField);
        if (!has || IsJsonataExpression(value, language)) return null;
        return PositiveInt(value, pointer + "/" + field, name, field, min);
    }

    // ---------------------------------------------------------------- Retry / Catch

    private void ParseRetryCatch(ExecutingStateNode state, JsonElement el, string pointer, AslQueryLanguage language)
    {
        if (el.TryGetProperty("Retry", out var retry))
        {
            if (retry.ValueKind != JsonValueKind.Array)
            {
                Problem(state.Name, pointer + "/Retry", "Retry must be an array");
            }
            else
            {
                var retriers = new List<Retrier>();
                var count = retry.GetArrayLength();
                var i = 0;
                foreach (var r in retry.EnumerateArray())
                {
                    var rp = $"{pointer}/Retry/{i}";
                    var retrier = ParseRetrier(r, rp, state.Name, isLast: i == count - 1);
                    if (retrier is not null) retriers.Add(retrier);
                    i++;
                }
                state.Retry = retriers.ToArray();
            }
        }
        if (el.TryGetProperty("Catch", out var katch))
        {
            if (katch.ValueKind != JsonValueKind.Array)
            {
                Problem(state.Name, pointer + "/Catch", "Catch must be an array");
            }
            else
            {
                var catchers = new List<Catcher>();
                var count = katch.GetArrayLength();
                var i = 0;
                foreach (var c in katch.EnumerateArray())
                {
                    var cp = $"{pointer}/Catch/{i}";
                    var catcher = ParseCatcher(c, cp, state.Name, isLast: i == count - 1, language);
                    if (catcher is not null) catchers.Add(catcher);
                    i++;
                }
                state.Catch = catchers.ToArray();
            }
        }
    }

    private Retrier? ParseRetrier(JsonElement r, string pointer, string stateName, bool isLast)
    {
        if (r.ValueKind != JsonValueKind.Object)
        {
            Problem(stateName, pointer, "A retrier must be an object");
            return null;
        }
        foreach (var p in r.EnumerateObject())
            if (p.Name is not ("ErrorEquals" or "IntervalSeconds" or "MaxAttempts" or "BackoffRate" or "MaxDelaySeconds" or "JitterStrategy" or "Comment"))
                Problem(stateName, pointer + "/" + Escape(p.Name), $"Field \"{p.Name}\" is not allowed in a retrier");
        var errors = ParseErrorEquals(r, pointer, stateName, isLast);
        var interval = r.TryGetProperty("IntervalSeconds", out var iv) ? PositiveInt(iv, pointer + "/IntervalSeconds", stateName, "IntervalSeconds", 1) : 1;
        var attempts = r.TryGetProperty("MaxAttempts", out var ma) ? PositiveInt(ma, pointer + "/MaxAttempts", stateName, "MaxAttempts", 0) : 3;
        double backoff = 2.0;
        if (r.TryGetProperty("BackoffRate", out var br))
        {
            if (br.ValueKind == JsonValueKind.Number && br.GetDouble() >= 1.0) backoff = br.GetDouble();
            else Problem(stateName, pointer + "/BackoffRate", "BackoffRate must be a number; the allowed minimum is 1");
        }
        int? maxDelay = null;
        if (r.TryGetProperty("MaxDelaySeconds", out var md))
        {
            if (md.ValueKind == JsonValueKind.Number && md.TryGetInt32(out var v) && v is > 0 and <= MaxInt) maxDelay = v;
            else Problem(stateName, pointer + "/MaxDelaySeconds", "MaxDelaySeconds must be a positive integer (the allowed floor is 0, exclusive)");
        }
        var jitter = false;
        if (r.TryGetProperty("JitterStrategy", out var js))
        {
            if (js.ValueKind == JsonValueKind.String && js.GetString() is "FULL" or "NONE") jitter = js.GetString() == "FULL";
            else Problem(stateName, pointer + "/JitterStrategy", "JitterStrategy is not one of the allowed values [\"FULL\", \"NONE\"]");
        }
        if (errors is null) return null;
        return new Retrier
        {
            ErrorEquals = errors,
            IntervalSeconds = interval ?? 1,
            MaxAttempts = attempts ?? 3,
            BackoffRate = backoff,
            MaxDelaySeconds = maxDelay,
            FullJitter = jitter,
        };
    }

    private Catcher? ParseCatcher(JsonElement c, string pointer, string stateName, bool isLast, AslQueryLanguage language)
    {
        if (c.ValueKind != JsonValueKind.Object)
        {
            Problem(stateName, pointer, "A catcher must be an object");
            return null;
        }
        var allowed = language == AslQueryLanguage.Jsonata
            ? new[] { "ErrorEquals", "Next", "Assign", "Output", "Comment" }
            : new[] { "ErrorEquals", "Next", "ResultPath", "Assign", "Comment" };
        foreach (var p in c.EnumerateObject())
            if (!allowed.Contains(p.Name)) Problem(stateName, pointer + "/" + Escape(p.Name), $"Field \"{p.Name}\" is not allowed in a catcher");
        var errors = ParseErrorEquals(c, pointer, stateName, isLast);
        string? next = null;
        if (!c.TryGetProperty("Next", out var nextEl)) Problem(stateName, pointer, "These fields are required: [Next]");
        else if (nextEl.ValueKind != JsonValueKind.String) Problem(stateName, pointer + "/Next", "Next must be a string");
        else next = nextEl.GetString();
        var resultPath = language == AslQueryLanguage.JsonPath ? ParseResultPath(c, pointer, stateName) : ResultPathSpec.Replace;
        ObjectNode? assign = null;
        JTemplate? jsonataAssign = null;
        JTemplate? jsonataOutput = null;
        if (c.TryGetProperty("Assign", out var assignEl))
        {
            if (language == AslQueryLanguage.JsonPath) assign = ParseAssign(assignEl, pointer + "/Assign", stateName);
            else jsonataAssign = ParseJsonataAssign(assignEl, pointer + "/Assign", stateName);
        }
        if (language == AslQueryLanguage.Jsonata && c.TryGetProperty("Output", out var outputEl)) jsonataOutput = Jsonata(outputEl, pointer + "/Output", stateName);
        if (errors is null || next is null) return null;
        return new Catcher { ErrorEquals = errors, Next = next, ResultPath = resultPath, Assign = assign, JsonataAssign = jsonataAssign, JsonataOutput = jsonataOutput };
    }

    private string[]? ParseErrorEquals(JsonElement obj, string pointer, string stateName, bool isLast)
    {
        if (!obj.TryGetProperty("ErrorEquals", out var ee))
        {
            Problem(stateName, pointer, "These fields are required: [ErrorEquals]");
            return null;
        }
        if (ee.ValueKind != JsonValueKind.Array || ee.GetArrayLength() == 0)
        {
            Problem(stateName, pointer + "/ErrorEquals", "ErrorEquals: non-empty required");
            return null;
        }
        var errors = new List<string>();
        foreach (var e in ee.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.String) Problem(stateName, pointer + "/ErrorEquals", "ErrorEquals must contain only strings");
            else errors.Add(e.GetString()!);
        }
        if (errors.Contains(AslErrorNames.All))
        {
            if (errors.Count > 1) Problem(stateName, pointer + "/ErrorEquals", "States.ALL must appear alone in ErrorEquals");
            if (!isLast) Problem(stateName, pointer + "/ErrorEquals", "States.ALL must appear in the last retrier or catcher");
        }
        return errors.ToArray();
    }

    // ---------------------------------------------------------------- paths and templates

    private (JsonPathExpression? Path, bool IsNull) ParseIoPath(JsonElement el, string field, string pointer, string stateName)
    {
        if (!el.TryGetProperty(field, out var value)) return (null, false);
        if (value.ValueKind == JsonValueKind.Null) return (null, true);
        var path = ParsePathField(value, pointer + "/" + field, stateName, field);
        return (path, false);
    }

    private ResultPathSpec ParseResultPath(JsonElement el, string pointer, string stateName)
    {
        if (!el.TryGetProperty("ResultPath", out var value)) return ResultPathSpec.Replace;
        if (value.ValueKind == JsonValueKind.Null) return ResultPathSpec.Discard;
        if (value.ValueKind != JsonValueKind.String)
        {
            Problem(stateName, pointer + "/ResultPath", "Field \"ResultPath\" must be a reference path or null");
            return ResultPathSpec.Replace;
        }
        var text = value.GetString()!;
        if (!JsonPathExpression.TryParse(text, out var path, out var error) || !path.IsReferencePath)
        {
            Problem(stateName, pointer + "/ResultPath", $"Field \"ResultPath\" must be a valid reference path ('{text}'){(error is null ? "" : ": " + error)}");
            return ResultPathSpec.Replace;
        }
        return path.IsRootOnly ? ResultPathSpec.Replace : new ResultPathSpec(path, false);
    }

    /// <summary>A JSONPath (input, context or variable root); intrinsic calls are not allowed here.</summary>
    private JsonPathExpression? ParsePathField(JsonElement value, string pointer, string? stateName, string field)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            Problem(stateName, pointer, $"Field \"{field}\" must be a JSONPath string");
            return null;
        }
        var text = value.GetString()!;
        if (!JsonPathExpression.TryParse(text, out var path, out var error))
        {
            Problem(stateName, pointer, $"Field \"{field}\" is not a valid JSONPath: {error}");
            return null;
        }
        return path;
    }

    private DynamicString? ParseDynamicString(JsonElement value, string pointer, string stateName, string field)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            Problem(stateName, pointer, $"Field \"{field}\" must be a JSONPath or an intrinsic function call");
            return null;
        }
        var text = value.GetString()!;
        if (IntrinsicCall.LooksLikeCall(text))
        {
            if (IntrinsicCall.TryParse(text, allowVariables: true, out var call, out var error)) return new DynamicString { Call = call, Text = text };
            Problem(stateName, pointer, error!);
            return null;
        }
        if (JsonPathExpression.TryParse(text, out var path, out var pathError)) return new DynamicString { Path = path, Text = text };
        Problem(stateName, pointer, $"Field \"{field}\" is not a valid JSONPath or intrinsic function call: {pathError}");
        return null;
    }

    private bool CheckAssignNames(JsonElement value, string pointer, string stateName, bool jsonPath)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            Problem(stateName, pointer, "Assign must be an object");
            return false;
        }
        foreach (var p in value.EnumerateObject())
        {
            var name = jsonPath && p.Name.EndsWith(".$", StringComparison.Ordinal) ? p.Name[..^2] : p.Name;
            if (!IsVariableName(name))
                Problem(stateName, pointer + "/" + Escape(p.Name), $"'{name}' is not a valid variable name (letters, digits and '_', not starting with a digit, at most 80 characters)");
        }
        return true;
    }

    private ObjectNode? ParseAssign(JsonElement value, string pointer, string stateName)
    {
        if (!CheckAssignNames(value, pointer, stateName, jsonPath: true)) return null;
        var node = CompileTemplate(value, pointer, stateName);
        return node switch
        {
            ObjectNode o => o,
            ConstantNode { Value: AslObject obj } => ConstantObject(obj),
            _ => null,
        };
    }

    private JTemplate? ParseJsonataAssign(JsonElement value, string pointer, string stateName) =>
        CheckAssignNames(value, pointer, stateName, jsonPath: false) ? Jsonata(value, pointer, stateName) : null;

    private JTemplate Jsonata(JsonElement value, string pointer, string stateName) =>
        JTemplate.Compile(value, message => Problem(stateName, pointer, message));

    private static ObjectNode ConstantObject(AslObject obj)
    {
        var values = new PayloadNode[obj.Count];
        for (var i = 0; i < values.Length; i++) values[i] = new ConstantNode(obj.Values[i]);
        return new ObjectNode(obj.Keys.ToArray(), values);
    }

    private PayloadNode CompileObjectTemplate(JsonElement value, string pointer, string stateName, string field)
    {
        if (value.ValueKind != JsonValueKind.Object) Problem(stateName, pointer, $"Field \"{field}\" must be an object");
        return CompileTemplate(value, pointer, stateName);
    }

    private PayloadNode CompileTemplate(JsonElement value, string pointer, string stateName)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                {
                    var keys = new List<string>();
                    var nodes = new List<PayloadNode>();
                    foreach (var p in value.EnumerateObject())
                    {
                        var propPointer = pointer + "/" + Escape(p.Name);
                        PayloadNode node;
                        string key;
                        if (p.Name.EndsWith(".$", StringComparison.Ordinal) && p.Name.Length > 2)
                        {
                            key = p.Name[..^2];
                            node = CompileDynamic(p.Value, propPointer, stateName, p.Name) ?? new ConstantNode(AslValue.Null);
                        }
                        else
                        {
                            key = p.Name;
                            node = CompileTemplate(p.Value, propPointer, stateName);
                        }
                        var existing = keys.IndexOf(key);
                        if (existing >= 0)
                        {
                            nodes[existing] = node;
                        }
                        else
                        {
                            keys.Add(key);
                            nodes.Add(node);
                        }
                    }
                    if (nodes.All(n => n.IsConstant))
                        return new ConstantNode(keys.Count == 0 ? AslObject.Empty : new AslObject(keys.ToArray(), nodes.Select(n => ((ConstantNode)n).Value).ToArray()));
                    return new ObjectNode(keys.ToArray(), nodes.ToArray());
                }
            case JsonValueKind.Array:
                {
                    var items = new List<PayloadNode>();
                    var i = 0;
                    foreach (var item in value.EnumerateArray()) items.Add(CompileTemplate(item, $"{pointer}/{i++}", stateName));
                    if (items.All(n => n.IsConstant))
                        return new ConstantNode(items.Count == 0 ? AslArray.Empty : new AslArray(items.Select(n => ((ConstantNode)n).Value).ToArray()));
                    return new ArrayNode(items.ToArray());
                }
            default:
                return new ConstantNode(AslValue.FromJsonElement(value));
        }
    }

    private PayloadNode? CompileDynamic(JsonElement value, string pointer, string stateName, string field)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            Problem(stateName, pointer, $"The value for the field '{field}' must be a valid JSONPath or a valid intrinsic function call (not a JSON {value.ValueKind.ToString().ToLowerInvariant()})");
            return null;
        }
        var text = value.GetString()!;
        if (IntrinsicCall.LooksLikeCall(text))
        {
            if (IntrinsicCall.TryParse(text, allowVariables: true, out var call, out var error)) return new IntrinsicNode(call);
            Problem(stateName, pointer, $"The value for the field '{field}' must be a valid JSONPath or a valid intrinsic function call: {error}");
            return null;
        }
        if (JsonPathExpression.TryParse(text, out var path, out var pathError)) return new PathNode(path, field);
        Problem(stateName, pointer, $"The value for the field '{field}' must be a valid JSONPath or a valid intrinsic function call ('{text}' is not a JSONPath or intrinsic function expression{(pathError is null ? "" : ": " + pathError)})");
        return null;
    }

    // ---------------------------------------------------------------- helpers

    private AslQueryLanguage? ParseLanguage(JsonElement value, string pointer, string? stateName)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            if (value.GetString() == "JSONPath") return AslQueryLanguage.JsonPath;
            if (value.GetString() == "JSONata") return AslQueryLanguage.Jsonata;
        }
        Problem(stateName, pointer, "QueryLanguage must be \"JSONPath\" or \"JSONata\"");
        return null;
    }

    private int? PositiveInt(JsonElement value, string pointer, string? stateName, string field, int min)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) && n >= min && n <= MaxInt) return (int)n;
        Problem(stateName, pointer, $"{field} must be an integer between {min} and {MaxInt} (the allowed minimum is {min})");
        return null;
    }

    private string? OptionalString(JsonElement obj, string field, string pointer, string? stateName)
    {
        if (!obj.TryGetProperty(field, out var value)) return null;
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        Problem(stateName, pointer + "/" + field, $"Field \"{field}\" must be a string");
        return null;
    }

    private static bool IsJsonataExpression(JsonElement value, AslQueryLanguage language) =>
        language == AslQueryLanguage.Jsonata && value.ValueKind == JsonValueKind.String && IsJsonataText(value.GetString());

    internal static bool IsJsonataText(string? s) =>
        s is not null && s.StartsWith("{%", StringComparison.Ordinal) && s.EndsWith("%}", StringComparison.Ordinal);

    private static bool IsVariableName(string name) =>
        name.Length is > 0 and <= 80 && JsonPathExpression.IsVariableStart(name[0]) && name.All(JsonPathExpression.IsVariablePart);

    private void Problem(string? stateName, string pointer, string message) =>
        _problems.Add(new AslProblem(stateName, pointer.Length == 0 ? "/" : pointer, message));

    private static string Escape(string name) => name.Replace("~", "~0").Replace("/", "~1");

    private static Dictionary<string, (ChoiceOperator, bool)> BuildChoiceOperators()
    {
        var result = new Dictionary<string, (ChoiceOperator, bool)>(StringComparer.Ordinal);
        foreach (var op in Enum.GetValues<ChoiceOperator>())
        {
            result[op.ToString()] = (op, false);
            if (op is not (ChoiceOperator.StringMatches or >= ChoiceOperator.IsNull))
                result[op + "Path"] = (op, true);
        }
        return result;
    }
}

/// <summary>A JSONata Condition that is a literal boolean.</summary>
internal sealed class ConstantCondition(bool value) : ChoiceCondition
{
    public override bool Evaluate(EvalContext ctx) => value;
}
