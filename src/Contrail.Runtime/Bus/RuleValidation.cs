using System.Text.Json;
using System.Text.Json.Nodes;
using Contrail.Events;
using Contrail.Patterns;
using Contrail.Queues;

namespace Contrail.Bus;

/// <summary>
/// Checks rules the same way wherever they come from (the API, configuration files, applications), so
/// that an invalid rule is refused when written and never fails at match time.
/// </summary>
public static class RuleValidation
{
    /// <summary>EventBridge allows five targets per rule.</summary>
    public const int MaxTargets = 5;

    /// <summary>Not a rule name: <c>POST /rules/test-pattern</c> lives there.</summary>
    public const string ReservedName = "test-pattern";

    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 64 && name != ReservedName && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public const string NameRule = "a rule name is 1-64 letters, digits, '-', '_' or '.' (and not 'test-pattern')";

    /// <summary>Every problem with <paramref name="rule"/>, as JSON pointers into its definition.</summary>
    public static List<FieldError> Validate(Rule rule, IReadOnlyDictionary<string, TargetKind> kinds)
    {
        var errors = new List<FieldError>();
        if (!IsValidName(rule.Name)) errors.Add(new("/name", NameRule));
        if (rule.Description is { Length: > 512 }) errors.Add(new("/description", "must be at most 512 characters"));
        if (rule.State is not (Rule.Enabled or Rule.Disabled)) errors.Add(new("/state", "must be ENABLED or DISABLED"));
        if (PatternProblem(rule.EventPattern.ToJsonString(), "/event_pattern") is { } patternProblem) errors.Add(patternProblem);
        if (rule.Targets.Count > MaxTargets) errors.Add(new("/targets", $"a rule has at most {MaxTargets} targets"));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rule.Targets.Count; i++)
        {
            var target = rule.Targets[i];
            var at = $"/targets/{i}";
            if (target is null)
            {
                errors.Add(new(at, "must be an object with id, type and name"));
                continue;
            }
            if (!IsValidName(target.Id) && target.Id != ReservedName) errors.Add(new(at + "/id", "a target id is 1-64 letters, digits, '-', '_' or '.'"));
            else if (!ids.Add(target.Id)) errors.Add(new(at + "/id", $"'{target.Id}' is used by another target of this rule"));
            if (!kinds.TryGetValue(target.Type ?? "", out var kind))
                errors.Add(new(at + "/type", $"unknown target type '{target.Type}'; registered types: {string.Join(", ", kinds.Keys.Order(StringComparer.Ordinal))}"));
            else if (kind.ValidateName(target.Name ?? "") is { } nameProblem)
                errors.Add(new(at + "/name", nameProblem));
            errors.AddRange(TargetInput.Validate(target, at));
            if (target.RetryPolicy is { } retry)
            {
                if (retry.MaximumRetryAttempts is < 0 or > RetryPolicy.DefaultAttempts)
                    errors.Add(new(at + "/retry_policy/maximum_retry_attempts", $"must be between 0 and {RetryPolicy.DefaultAttempts}"));
                if (retry.MaximumEventAgeInSeconds is < 60 or > RetryPolicy.DefaultEventAgeSeconds)
                    errors.Add(new(at + "/retry_policy/maximum_event_age_in_seconds", $"must be between 60 and {RetryPolicy.DefaultEventAgeSeconds}"));
            }
            if (target.DeadLetterQueue is not null && !QueueAttributes.IsValidName(target.DeadLetterQueue))
                errors.Add(new(at + "/dead_letter_queue", "must be a queue name: 1-80 letters, digits, '-', '_' or '.'"));
        }
        return errors;
    }

    /// <summary>Why a pattern is refused (EventBridge's wording, pointing into it), or null when it compiles.</summary>
    public static FieldError? PatternProblem(string patternJson, string pointer) =>
        PatternCompiler.TryCompile(patternJson, out _, out var error) ? null : new FieldError(pointer + error.Pointer, error.Message);

    /// <summary>
    /// The text of a pattern given as a JSON object or as a string holding one (as AWS's APIs take it), or the
    /// problem with it.
    /// </summary>
    public static string? PatternText(JsonElement value, string pointer, List<FieldError> errors)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object: return value.GetRawText();
            case JsonValueKind.String: return value.GetString();
            case JsonValueKind.Undefined or JsonValueKind.Null: errors.Add(new(pointer, "required")); return null;
            default: errors.Add(new(pointer, "must be a JSON object, or a string holding one")); return null;
        }
    }

    /// <summary>A compiled pattern's text as a JSON object for storing; null (with the problem) when it is not one.</summary>
    public static JsonObject? PatternObject(string? text, string pointer, List<FieldError> errors)
    {
        if (text is null) return null;
        if (PatternProblem(text, pointer) is { } problem)
        {
            errors.Add(problem);
            return null;
        }
        // It compiled, so it is a JSON object. A field named twice is kept as written; the last one counts, as in EventBridge.
        return JsonNode.Parse(text)!.AsObject();
    }
}

/// <summary>A rule as the API and configuration files write it; <c>event_pattern</c> may be an object or a string.</summary>
public sealed record RuleRequest
{
    public string? Name { get; init; }
    public string? Description { get; init; }
    public JsonElement EventPattern { get; init; }
    public string? State { get; init; }
    public List<RuleTarget>? Targets { get; init; }

    /// <summary>
    /// The rule, or its problems. <paramref name="name"/> comes from the route; a name in the body must agree.
    /// </summary>
    public Rule? ToRule(string? name, IReadOnlyDictionary<string, TargetKind> kinds, out List<FieldError> errors)
    {
        errors = [];
        if (name is not null && Name is not null && Name != name) errors.Add(new("/name", $"'{Name}' differs from the name in the path, '{name}'"));
        var ruleName = name ?? Name;
        if (ruleName is null) errors.Add(new("/name", "required"));
        var pattern = RuleValidation.PatternObject(RuleValidation.PatternText(EventPattern, "/event_pattern", errors), "/event_pattern", errors);
        if (errors.Count > 0) return null;
        var rule = new Rule
        {
            Name = ruleName!,
            Description = Description,
            EventPattern = pattern!,
            State = State ?? Rule.Enabled,
            Targets = Targets ?? [],
        };
        errors = RuleValidation.Validate(rule, kinds);
        return errors.Count == 0 ? rule : null;
    }
}
