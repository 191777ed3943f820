using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Contrail.Patterns;

/// <summary>
/// Compiles an EventBridge event pattern (JSON) into a <see cref="CompiledPattern"/>, or rejects it with
/// EventBridge's reason and a JSON pointer to the offending place. Follows event-ruler's
/// <c>JsonRuleCompiler</c>: nested names are joined with dots, every <c>$or</c> forks the branches built so far, and
/// a field named twice keeps its last value. All validation happens here, so matching never fails.
/// Cost: linear in the pattern's size, times the number of <c>$or</c> branches (capped at <see cref="MaxBranches"/>).
/// </summary>
public static class PatternCompiler
{
    /// <summary>The most alternatives a pattern may expand into through nested <c>$or</c>s.</summary>
    public const int MaxBranches = 1000;

    /// <summary>Field names reserved for match expressions; they cannot name fields inside <c>$or</c>.</summary>
    private static readonly HashSet<string> ReservedInOr = new(StringComparer.Ordinal)
    {
        "anything-but", "exists", "prefix", "suffix", "numeric", "cidr", "equals-ignore-case", "wildcard",
    };

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>Compiles pattern text; throws <see cref="InvalidPatternException"/> when it is not a valid pattern.</summary>
    public static CompiledPattern Compile(string patternJson)
    {
        ArgumentNullException.ThrowIfNull(patternJson);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(patternJson, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidPatternException(DescribeSyntaxError(e), "", e);
        }
        using (document) return Compile(document.RootElement);
    }

    /// <summary>Compiles a parsed pattern; throws <see cref="InvalidPatternException"/> when it is not a valid pattern.</summary>
    public static CompiledPattern Compile(JsonElement pattern)
    {
        if (pattern.ValueKind != JsonValueKind.Object) throw Invalid("Filter is not an object", "");
        var branches = new List<Dictionary<string, PatternField>>();
        ParseObject(branches, pattern, "", "", insideOr: false);
        var compiled = branches.Select(b => new PatternBranch(b.Values)).ToArray();
        if (WildcardComplexity(compiled) > Wildcard.MaxRuleComplexity) throw Invalid(Wildcard.TooComplexReason, "");
        return new CompiledPattern(compiled);
    }

    /// <summary>Compiles pattern text, reporting a rejection instead of throwing.</summary>
    public static bool TryCompile(string patternJson, [NotNullWhen(true)] out CompiledPattern? pattern, [NotNullWhen(false)] out InvalidPatternException? error)
    {
        try
        {
            pattern = Compile(patternJson);
            error = null;
            return true;
        }
        catch (InvalidPatternException e)
        {
            pattern = null;
            error = e;
            return false;
        }
    }

    private static void ParseObject(List<Dictionary<string, PatternField>> branches, JsonElement obj, string path, string pointer, bool insideOr)
    {
        var any = false;
        foreach (var property in obj.EnumerateObject())
        {
            any = true;
            var name = property.Name;
            var propertyPointer = pointer + "/" + EscapePointer(name);
            if (name == "$or")
            {
                ParseOr(branches, property.Value, path, propertyPointer);
                continue;
            }
            if (insideOr && ReservedInOr.Contains(name))
                throw Invalid($"{name} is Ruler reserved fieldName which cannot be used inside $or.", propertyPointer);
            var fieldPath = path.Length == 0 ? name : path + "." + name;
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    ParseObject(branches, property.Value, fieldPath, propertyPointer, insideOr);
                    break;
                case JsonValueKind.Array:
                    WriteField(branches, fieldPath, property.Value, propertyPointer);
                    break;
                default:
                    throw Invalid($"\"{name}\" must be an object or an array", propertyPointer);
            }
        }
        if (!any) throw Invalid("Empty objects are not allowed", pointer);
    }

    private static void ParseOr(List<Dictionary<string, PatternField>> branches, JsonElement value, string path, string pointer)
    {
        if (value.ValueKind != JsonValueKind.Array) throw Invalid("It must be an Array followed with $or.", pointer);
        var before = branches.Select(b => new Dictionary<string, PatternField>(b, StringComparer.Ordinal)).ToList();
        branches.Clear();
        var count = 0;
        foreach (var element in value.EnumerateArray())
        {
            var elementPointer = pointer + "/" + count;
            count++;
            if (element.ValueKind != JsonValueKind.Object)
                throw Invalid("Only JSON object is allowed in array of $or relationship.", elementPointer);
            var forked = before.Select(b => new Dictionary<string, PatternField>(b, StringComparer.Ordinal)).ToList();
            if (forked.Count == 0) forked.Add(new Dictionary<string, PatternField>(StringComparer.Ordinal));
            ParseObject(forked, element, path, elementPointer, insideOr: true);
            branches.AddRange(forked);
            if (branches.Count > MaxBranches)
                throw Invalid($"Rule is too complex - $or expands into more than {MaxBranches} combinations", pointer);
        }
        if (count < 2) throw Invalid("There must have at least 2 Objects in $or relationship.", pointer);
    }

    private static void WriteField(List<Dictionary<string, PatternField>> branches, string path, JsonElement array, string pointer)
    {
        var values = new List<ValuePattern>();
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var elementPointer = pointer + "/" + index++;
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    values.Add(ParseMatchExpression(element, elementPointer));
                    break;
                case JsonValueKind.String:
                    values.Add(ValuePattern.ExactString(element.GetString()!));
                    break;
                case JsonValueKind.Number:
                    var text = element.GetRawText();
                    values.Add(ValuePattern.ExactLiteral(text, ComparableNumber.TryParse(text, out var n) == ComparableNumber.Status.Ok ? n : null));
                    break;
                case JsonValueKind.True:
                case JsonValueKind.False:
                case JsonValueKind.Null:
                    values.Add(ValuePattern.ExactLiteral(element.GetRawText(), null));
                    break;
                default:
                    throw Invalid("Match value must be String, number, true, false, or null", elementPointer);
            }
        }
        if (values.Count == 0) throw Invalid("Empty arrays are not allowed", pointer);
        if (branches.Count == 0) branches.Add(new Dictionary<string, PatternField>(StringComparer.Ordinal));
        var field = new PatternField(path, values);
        foreach (var branch in branches) branch[path] = field;
    }

    private static ValuePattern ParseMatchExpression(JsonElement expression, string pointer)
    {
        using var properties = expression.EnumerateObject();
        if (!properties.MoveNext()) throw Invalid("Match expression name not found", pointer);
        var first = properties.Current;
        var name = first.Name;
        var value = first.Value;
        var valuePointer = pointer + "/" + EscapePointer(name);
        var pattern = name switch
        {
            "prefix" => value.ValueKind == JsonValueKind.Object
                ? ParseIgnoreCaseOperand(value, valuePointer, "Prefix", ValuePattern.PrefixIgnoreCase)
                : ValuePattern.Prefix(RequireString(value, "prefix match pattern must be a string", valuePointer)),
            "suffix" => value.ValueKind == JsonValueKind.Object
                ? ParseIgnoreCaseOperand(value, valuePointer, "Suffix", ValuePattern.SuffixIgnoreCase)
                : ValuePattern.Suffix(RequireString(value, "suffix match pattern must be a string", valuePointer)),
            "equals-ignore-case" => ValuePattern.EqualsIgnoreCase(RequireString(value, "equals-ignore-case match pattern must be a string", valuePointer)),
            "wildcard" => ValuePattern.WildcardMatch(ParseWildcard(RequireString(value, "wildcard match pattern must be a string", valuePointer), valuePointer)),
            "numeric" => ParseNumeric(value, valuePointer),
            "anything-but" => ParseAnythingBut(value, valuePointer),
            "exists" => value.ValueKind switch
            {
                JsonValueKind.True => ValuePattern.Exists(),
                JsonValueKind.False => ValuePattern.Absent(),
                _ => throw Invalid("exists match pattern must be either true or false.", valuePointer),
            },
            // event-ruler says "prefix" here (a copy-paste slip AWS kept); the snapshot records it, so do we.
            "cidr" => ParseCidr(RequireString(value, "prefix match pattern must be a string", valuePointer), valuePointer),
            _ => throw Invalid($"Unrecognized match type {name}", valuePointer),
        };
        if (properties.MoveNext())
            throw Invalid("Only one key allowed in match expression", pointer + "/" + EscapePointer(properties.Current.Name));
        return pattern;
    }

    private static ValuePattern ParseIgnoreCaseOperand(JsonElement value, string pointer, string what, Func<string, ValuePattern> factory)
    {
        using var properties = value.EnumerateObject();
        if (!properties.MoveNext()) throw Invalid($"{what} expression name not found", pointer);
        var inner = properties.Current;
        var innerPointer = pointer + "/" + EscapePointer(inner.Name);
        if (inner.Name != "equals-ignore-case") throw Invalid($"Unsupported {what.ToLowerInvariant()} pattern: {inner.Name}", innerPointer);
        var text = RequireString(inner.Value, "equals-ignore-case match pattern must be a string", innerPointer);
        if (properties.MoveNext()) throw Invalid("Only one key allowed in match expression", pointer + "/" + EscapePointer(properties.Current.Name));
        return factory(text);
    }

    private static Wildcard ParseWildcard(string text, string pointer)
    {
        var wildcard = Wildcard.Parse(text, out var error) ?? throw Invalid(error, pointer);
        if (wildcard.Complexity > Wildcard.MaxComplexity) throw Invalid(Wildcard.TooComplexReason, pointer);
        return wildcard;
    }

    private static ValuePattern ParseCidr(string text, string pointer) =>
        Cidr.TryParse(text, out var cidr, out var error) ? ValuePattern.CidrBlock(cidr) : throw Invalid(error, pointer);

    private static ValuePattern ParseNumeric(JsonElement value, string pointer)
    {
        if (value.ValueKind != JsonValueKind.Array) throw Invalid("Value of numeric must be an array.", pointer);
        var terms = new List<JsonElement>();
        foreach (var term in value.EnumerateArray()) terms.Add(term);

        if (terms.Count == 0 || terms[0].ValueKind != JsonValueKind.String)
            throw Invalid($"Invalid member in numeric match: {(terms.Count == 0 ? "]" : RawText(terms[0]))}", pointer + "/0");
        var op = terms[0].GetString()!;
        switch (op)
        {
            case "=":
            {
                var n = NumericOperand(terms, 1, "equals", pointer);
                if (terms.Count > 2) throw Invalid("Too many elements in numeric expression", pointer + "/2");
                return ValuePattern.Range(n, false, n, false);
            }
            case ">=":
            case ">":
            {
                var low = NumericOperand(terms, 1, op, pointer);
                var lowOpen = op == ">";
                if (terms.Count == 2) return ValuePattern.Range(low, lowOpen, null, false);
                if (terms[2].ValueKind != JsonValueKind.String)
                    throw Invalid($"Bad value in numeric range: {RawText(terms[2])}", pointer + "/2");
                var op2 = terms[2].GetString()!;
                if (op2 is not ("<" or "<=")) throw Invalid($"Bad numeric range operator: {op2}", pointer + "/2");
                var high = NumericOperand(terms, 3, op2, pointer);
                if (terms.Count > 4) throw Invalid("Too many terms in numeric range expression", pointer + "/4");
                var highOpen = op2 == "<";
                if (low >= high) throw Invalid("Bottom must be less than top", pointer);
                return ValuePattern.Range(low, lowOpen, high, highOpen);
            }
            case "<=":
            case "<":
            {
                var high = NumericOperand(terms, 1, op, pointer);
                if (terms.Count > 2) throw Invalid("Too many elements in numeric expression", pointer + "/2");
                return ValuePattern.Range(null, false, high, op == "<");
            }
            default:
                throw Invalid($"Unrecognized numeric range operator: {op}", pointer + "/0");
        }
    }

    private static long NumericOperand(List<JsonElement> terms, int index, string op, string pointer)
    {
        if (index >= terms.Count || terms[index].ValueKind != JsonValueKind.Number)
            throw Invalid($"Value of {op} must be numeric", pointer + "/" + index);
        return ParseComparable(terms[index], pointer + "/" + index);
    }

    private static long ParseComparable(JsonElement number, string pointer)
    {
        var status = ComparableNumber.TryParse(number.GetRawText(), out var scaled);
        return status switch
        {
            ComparableNumber.Status.Ok => scaled,
            ComparableNumber.Status.TooPrecise => throw Invalid($"Only values upto {ComparableNumber.DecimalPlaces} decimals are supported: {number.GetRawText()}", pointer),
            _ => throw Invalid($"Value must be between -5.0E9 and 5.0E9, inclusive: {number.GetRawText()}", pointer),
        };
    }

    private static ValuePattern ParseAnythingBut(JsonElement value, string pointer)
    {
        var kind = MatchKind.AnythingBut;
        var operand = value;
        var operandPointer = pointer;
        if (value.ValueKind == JsonValueKind.Object)
        {
            using var properties = value.EnumerateObject();
            if (!properties.MoveNext()) throw Invalid("Anything-But expression name not found", pointer);
            var inner = properties.Current;
            operandPointer = pointer + "/" + EscapePointer(inner.Name);
            kind = inner.Name switch
            {
                "equals-ignore-case" => MatchKind.AnythingButIgnoreCase,
                "prefix" => MatchKind.AnythingButPrefix,
                "suffix" => MatchKind.AnythingButSuffix,
                "wildcard" => MatchKind.AnythingButWildcard,
                _ => throw Invalid($"Unsupported anything-but pattern: {inner.Name}", operandPointer),
            };
            operand = inner.Value;
            if (properties.MoveNext()) throw Invalid("Only one key allowed in match expression", pointer + "/" + EscapePointer(properties.Current.Name));
        }
        if (operand.ValueKind is not (JsonValueKind.Array or JsonValueKind.String or JsonValueKind.Number))
            throw Invalid("Value of anything-but must be an array or single string/number value.", operandPointer);

        var items = new List<(JsonElement Element, string Pointer)>();
        if (operand.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var element in operand.EnumerateArray()) items.Add((element, operandPointer + "/" + i++));
        }
        else
        {
            items.Add((operand, operandPointer));
        }

        if (kind == MatchKind.AnythingBut)
        {
            var strings = new List<string>();
            var numbers = new List<long>();
            foreach (var (element, itemPointer) in items)
            {
                switch (element.ValueKind)
                {
                    case JsonValueKind.String: strings.Add(element.GetString()!); break;
                    case JsonValueKind.Number: numbers.Add(ParseComparable(element, itemPointer)); break;
                    default: throw Invalid("Inside anything but list, start|null|boolean is not supported.", itemPointer);
                }
            }
            if ((strings.Count > 0) == (numbers.Count > 0))
                throw Invalid("Inside anything but list, either all values are number or string, mixed type is not supported", operandPointer);
            return strings.Count > 0 ? ValuePattern.AnythingButStrings(MatchKind.AnythingBut, strings) : ValuePattern.AnythingButNumbers(numbers);
        }

        var texts = new List<string>();
        foreach (var (element, itemPointer) in items)
        {
            if (element.ValueKind != JsonValueKind.String)
            {
                throw Invalid(kind switch
                {
                    MatchKind.AnythingButIgnoreCase => "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
                    MatchKind.AnythingButWildcard => "wildcard match pattern must be a string",
                    _ => "prefix/suffix match pattern must be a string",
                }, itemPointer);
            }
            var text = element.GetString()!;
            if (text.Length == 0 && kind is MatchKind.AnythingButPrefix or MatchKind.AnythingButSuffix)
                throw Invalid("Null prefix/suffix not allowed", itemPointer);
            texts.Add(text);
        }
        if (texts.Count == 0) throw Invalid("Empty arrays are not allowed", operandPointer);
        if (kind != MatchKind.AnythingButWildcard) return ValuePattern.AnythingButStrings(kind, texts);

        var wildcards = new List<Wildcard>();
        for (var i = 0; i < texts.Count; i++) wildcards.Add(ParseWildcard(texts[i], items[i].Pointer));
        return ValuePattern.AnythingButWildcards(wildcards);
    }

    /// <summary>The sum of the complexities of the distinct wildcard values anywhere in the pattern.</summary>
    private static int WildcardComplexity(PatternBranch[] branches)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var total = 0;
        foreach (var branch in branches)
            foreach (var field in branch.Fields)
                foreach (var value in field.Values)
                {
                    if (value.Wildcard is { } w && seen.Add(w.Text)) total += w.Complexity;
                    foreach (var nw in value.Wildcards)
                        if (seen.Add(nw.Text)) total += nw.Complexity;
                }
        return total;
    }

    private static string RequireString(JsonElement value, string reason, string pointer) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Invalid(reason, pointer);

    private static string RawText(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();

    private static InvalidPatternException Invalid(string reason, string pointer) => new(reason, pointer);

    private static string DescribeSyntaxError(JsonException e)
    {
        var where = e.LineNumber is { } line ? $" at line {line + 1}, position {e.BytePositionInLine + 1}" : "";
        var message = e.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut].TrimEnd();
        return $"Malformed JSON{where}: {message}";
    }

    /// <summary>Escapes a name for a JSON pointer segment (RFC 6901).</summary>
    internal static string EscapePointer(string name) =>
        name.IndexOfAny(['~', '/']) < 0 ? name : name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
