using System.Text.Json;
using Contrail.Workflows.Asl;

namespace Contrail.Tests.Workflows;

/// <summary>One executable case of the ASL conformance corpus (<c>cases/&lt;group&gt;/&lt;id&gt;.json</c>).</summary>
public sealed record AslExecutionCase(
    string Id,
    string Group,
    string DefinitionJson,
    AslValue Input,
    AslObject Expected,
    IReadOnlyList<string> IgnorePaths,
    IReadOnlyDictionary<string, IReadOnlyList<AslObject>> Mocks,
    bool Express);

/// <summary>One definition-validation case (<c>validation/&lt;id&gt;.json</c>).</summary>
public sealed record AslValidationCase(string Id, string DefinitionText, bool Valid, string Judge, bool Express);

/// <summary>What running a case showed.</summary>
public sealed record AslCaseResult(bool Passed, string Detail);

/// <summary>Loads the corpus and runs its cases the way its README says to compare them.</summary>
public static class AslConformanceCorpus
{
    public const string JsonataGroup = "jsonata";

    private static readonly Lazy<IReadOnlyList<AslExecutionCase>> LazyCases = new(LoadCases);
    private static readonly Lazy<IReadOnlyList<AslValidationCase>> LazyValidation = new(LoadValidation);
    private static readonly Lazy<IReadOnlyDictionary<string, string>> LazyKnownFailures = new(LoadKnownFailures);

    /// <summary>The corpus folder, or null when this machine has none (tests then skip visibly).</summary>
    public static string? Folder => TestPaths.Conformance is null ? null : Existing(Path.Combine(TestPaths.Conformance, "asl"));

    public static IReadOnlyList<AslExecutionCase> Cases => LazyCases.Value;
    public static IReadOnlyList<AslValidationCase> ValidationCases => LazyValidation.Value;

    /// <summary>Case id → reason, from <c>asl-known-failures.json</c> next to this file.</summary>
    public static IReadOnlyDictionary<string, string> KnownFailures => LazyKnownFailures.Value;

    public static AslExecutionCase Case(string id) => Cases.Single(c => c.Id == id);

    public static AslValidationCase ValidationCase(string id) => ValidationCases.Single(c => c.Id == id);

    private static string? Existing(string path) => Directory.Exists(path) ? path : null;

    private static IReadOnlyList<AslExecutionCase> LoadCases()
    {
        if (Folder is null) return [];
        var result = new List<AslExecutionCase>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Folder, "cases"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            var root = doc.RootElement;
            var mocks = new Dictionary<string, IReadOnlyList<AslObject>>(StringComparer.Ordinal);
            if (root.TryGetProperty("mocks", out var m) && m.ValueKind == JsonValueKind.Object)
                foreach (var p in m.EnumerateObject())
                    mocks[p.Name] = p.Value.EnumerateArray().Select(e => (AslObject)AslValue.FromJsonElement(e)).ToArray();
            var notes = root.TryGetProperty("notes", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
            result.Add(new AslExecutionCase(
                root.GetProperty("id").GetString()!,
                root.GetProperty("group").GetString()!,
                root.GetProperty("definition").GetRawText(),
                AslValue.FromJsonElement(root.GetProperty("input")),
                (AslObject)AslValue.FromJsonElement(root.GetProperty("expected")),
                root.TryGetProperty("ignore_paths", out var ip) ? ip.EnumerateArray().Select(e => e.GetString()!).ToArray() : [],
                mocks,
                notes.Contains("state machine type: EXPRESS", StringComparison.Ordinal)));
        }
        return result;
    }

    private static IReadOnlyList<AslValidationCase> LoadValidation()
    {
        if (Folder is null) return [];
        var result = new List<AslValidationCase>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Folder, "validation"), "*.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            var root = doc.RootElement;
            var definition = root.TryGetProperty("definition", out var d) && d.ValueKind != JsonValueKind.Null
                ? d.GetRawText()
                : root.GetProperty("definition_text").GetString()!;
            var express = root.TryGetProperty("state_machine_type", out var t) && t.GetString() == "EXPRESS";
            result.Add(new AslValidationCase(root.GetProperty("id").GetString()!, definition, root.GetProperty("valid").GetBoolean(), root.GetProperty("judge").GetString()!, express));
        }
        return result;
    }

    private static IReadOnlyDictionary<string, string> LoadKnownFailures()
    {
        var path = Path.Combine(TestPaths.RepoRoot, "tests", "Contrail.Runtime.Tests", "Workflows", "asl-known-failures.json");
        if (!File.Exists(path)) return new Dictionary<string, string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        return doc.RootElement.GetProperty("failures").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }

    // ------------------------------------------------------------------ running

    /// <summary>Validation verdicts: statelint's cases follow the ASL specification (any URI is a resource); AWS's follow AWS.</summary>
    public static AslCaseResult RunValidation(AslValidationCase c)
    {
        var options = new AslParseOptions
        {
            Type = c.Express ? AslStateMachineType.Express : AslStateMachineType.Standard,
            Resources = c.Judge == "statelint" ? AslResourcePolicy.AnyUri : AslResourcePolicy.Known,
        };
        var problems = AslDefinition.Validate(c.DefinitionText, options);
        var valid = problems.Count == 0;
        var detail = valid ? "accepted" : "rejected: " + string.Join(" | ", problems.Select(p => p.ToString()));
        return new AslCaseResult(valid == c.Valid, $"expected {(c.Valid ? "valid" : "invalid")}, {detail}");
    }

    public static async Task<IReadOnlyList<HistoryEvent>> RunWithHistoryAsync(AslExecutionCase c)
    {
        var (_, result, _) = await ExecuteAsync(c);
        return result?.History ?? [];
    }

    /// <summary>Runs a case with the in-memory runner and, separately, with <see cref="DurableSimulationDriver"/>.</summary>
    public static async Task<(AslExecutionResult? InMemory, AslExecutionResult? Durable, IReadOnlyList<string> Problems)> RunBothDriversAsync(AslExecutionCase c)
    {
        var (_, inMemory, _) = await ExecuteAsync(c);
        DurableSimulationDriver? durable = null;
        var (_, durableResult, _) = await ExecuteAsync(c, (def, exec, handler) =>
        {
            durable = new DurableSimulationDriver(def, exec, handler);
            return durable.RunAsync();
        });
        return (inMemory, durableResult, durable?.DeterminismProblems ?? (IReadOnlyList<string>)["definition rejected"]);
    }

    public static async Task<AslCaseResult> RunAsync(AslExecutionCase c)
    {
        var (failure, result, mocks) = await ExecuteAsync(c);
        return failure ?? Compare(c, result!, mocks!);
    }

    private static async Task<(AslCaseResult? Failure, AslExecutionResult? Result, MockLambdas? Mocks)> ExecuteAsync(
        AslExecutionCase c, Func<AslDefinition, ExecutionContextData, AslTaskHandler, Task<AslExecutionResult>>? driver = null)
    {
        var options = new AslParseOptions { Type = c.Express ? AslStateMachineType.Express : AslStateMachineType.Standard };
        if (!AslDefinition.TryParse(c.DefinitionJson, out var definition, out var problems, options))
            return (new AslCaseResult(false, "definition rejected: " + string.Join(" | ", problems.Select(p => p.ToString()))), null, null);

        var mocks = new MockLambdas(c.Mocks);
        var runner = new InMemoryAslRunner(mocks.HandleAsync);
        var name = "exec-" + c.Id.GetHashCode(StringComparison.Ordinal).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        var exec = new ExecutionContextData(
            $"arn:aws:states:us-east-1:111111111111:{(c.Express ? "express" : "execution")}:conformance:{name}",
            name, c.Input, new DateTimeOffset(2024, 2, 7, 13, 52, 2, TimeSpan.Zero),
            "arn:aws:states:us-east-1:111111111111:stateMachine:conformance", "conformance")
        {
            RoleArn = "arn:aws:iam::111111111111:role/conformance",
            Type = options.Type,
            RandomSeed = 42,
        };
        AslExecutionResult result;
        try
        {
            var run = driver is null ? runner.RunAsync(definition, exec) : driver(definition, exec, mocks.HandleAsync);
            result = await run.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e)
        {
            return (new AslCaseResult(false, "runner threw " + e), null, null);
        }
        return (null, result, mocks);
    }

    private static AslCaseResult Compare(AslExecutionCase c, AslExecutionResult result, MockLambdas mocks)
    {
        var status = result.Status switch
        {
            AslExecutionStatus.Succeeded => "SUCCEEDED",
            AslExecutionStatus.Failed => "FAILED",
            AslExecutionStatus.TimedOut => "TIMED_OUT",
            _ => "ABORTED",
        };
        var actualBuilder = new AslObjectBuilder().Add("status", status);
        if (result.Status == AslExecutionStatus.Succeeded) actualBuilder.Add("output", result.Output ?? AslValue.Null);
        else
        {
            if (result.Error is not null) actualBuilder.Add("error", result.Error);
            if (result.Cause is not null) actualBuilder.Add("cause", result.Cause);
        }
        AslValue actual = actualBuilder.Build();
        AslValue expected = c.Expected;
        foreach (var path in c.IgnorePaths)
        {
            actual = IgnorePath.Remove(actual, path);
            expected = IgnorePath.Remove(expected, path);
        }
        var ok = actual.Equals(expected);
        var detail = $"expected {expected.ToJsonString()}\n  actual {actual.ToJsonString()}";
        if (mocks.Problems.Count > 0) detail += "\n  mock problems: " + string.Join(" | ", mocks.Problems);
        if (!ok)
            detail += "\n  history: " + string.Join(", ", result.History.Select(e => e.Type + (e.Name is null ? "" : "(" + e.Name + ")")));
        return new AslCaseResult(ok, detail);
    }

    /// <summary>Replays the recorded Lambda responses: first unused entry for the resource whose input-equals matches.</summary>
    private sealed class MockLambdas(IReadOnlyDictionary<string, IReadOnlyList<AslObject>> mocks)
    {
        private readonly Dictionary<string, bool[]> _used = mocks.ToDictionary(m => m.Key, m => new bool[m.Value.Count]);
        public List<string> Problems { get; } = new();

        public ValueTask<TaskOutcome> HandleAsync(TaskRequest request, CancellationToken ct)
        {
            lock (_used)
            {
                if (!mocks.TryGetValue(request.Resource.Raw, out var entries))
                {
                    Problems.Add($"no mocks for resource {request.Resource.Raw}");
                    return ValueTask.FromResult(TaskOutcome.Failure("Conformance.NoMock", request.Resource.Raw));
                }
                var used = _used[request.Resource.Raw];
                for (var i = 0; i < entries.Count; i++)
                {
                    if (used[i]) continue;
                    var entry = entries[i];
                    if (entry.TryGetValue("input-equals", out var expectedInput) && !expectedInput.Equals(request.Input)) continue;
                    used[i] = true;
                    if (entry.TryGetValue("throw", out var t))
                    {
                        var th = (AslObject)t;
                        return ValueTask.FromResult(TaskOutcome.Failure(((AslString)th["error"]!).Value, (th["cause"] as AslString)?.Value));
                    }
                    return ValueTask.FromResult(TaskOutcome.Success(entry["return"] ?? AslValue.Null));
                }
                Problems.Add($"no unused mock matches input {request.Input.ToJsonString()} for {request.Resource.Raw}");
                return ValueTask.FromResult(TaskOutcome.Failure("Conformance.NoMockMatched", request.Input.ToJsonString()));
            }
        }
    }

    /// <summary>Removes an ignore path (<c>$.output.a["b c"][0]</c>, rooted at <c>expected</c>) from a value.</summary>
    private static class IgnorePath
    {
        public static AslValue Remove(AslValue root, string path)
        {
            var segments = Parse(path);
            return segments.Count == 0 ? root : Remove(root, segments, 0) ?? root;
        }

        private static AslValue? Remove(AslValue node, List<object> segments, int i)
        {
            var seg = segments[i];
            var last = i == segments.Count - 1;
            if (seg is string key && node is AslObject obj && obj.TryGetValue(key, out var child))
            {
                var b = new AslObjectBuilder(obj.Count);
                foreach (var (k, v) in obj.Properties)
                {
                    if (k != key) b.Add(k, v);
                    else if (!last) b.Add(k, Remove(v, segments, i + 1) ?? v);
                }
                return b.Build();
            }
            if (seg is int index && node is AslArray array && index < array.Count)
            {
                var items = array.Items.ToArray().ToList();
                if (last) items.RemoveAt(index);
                else items[index] = Remove(items[index], segments, i + 1) ?? items[index];
                return AslArray.Create(items);
            }
            return null;
        }

        private static List<object> Parse(string path)
        {
            var result = new List<object>();
            var i = 1; // after '$'
            while (i < path.Length)
            {
                if (path[i] == '.')
                {
                    var start = ++i;
                    while (i < path.Length && path[i] is not ('.' or '[')) i++;
                    result.Add(path[start..i]);
                }
                else if (path[i] == '[')
                {
                    if (path[i + 1] == '"')
                    {
                        var end = path.IndexOf("\"]", i + 2, StringComparison.Ordinal);
                        result.Add(path[(i + 2)..end]);
                        i = end + 2;
                    }
                    else
                    {
                        var end = path.IndexOf(']', i);
                        result.Add(int.Parse(path[(i + 1)..end], System.Globalization.CultureInfo.InvariantCulture));
                        i = end + 1;
                    }
                }
                else
                {
                    throw new FormatException("Cannot parse ignore path " + path);
                }
            }
            return result;
        }
    }
}
