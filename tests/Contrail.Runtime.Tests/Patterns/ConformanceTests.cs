using System.Text.Json;
using Contrail.Patterns;

namespace Contrail.Tests.Patterns;

/// <summary>
/// Runs every case of the shared event-pattern corpus (../shared/conformance/event-patterns, recorded against AWS):
/// <c>X.json5</c> must match, <c>X_NEG.json5</c> must not, <c>X_EXC.json5</c> must be rejected, with AWS's message
/// where the snapshot recorded one. One theory row per file, so a failure names its case.
/// </summary>
public sealed class ConformanceTests
{
    private static readonly JsonDocumentOptions Json5 = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        var directory = TestPaths.Conformance is null ? null : Path.Combine(TestPaths.Conformance, "event-patterns");
        if (directory is null || !Directory.Exists(directory))
        {
            data.Add("(corpus absent)");
            return data;
        }
        foreach (var file in Directory.GetFiles(directory, "*.json5").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal))
            data.Add(file!);
        data.Add("complex_multi_key_event");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(string name)
    {
        var directory = TestPaths.RequireConformance("event-patterns");
        JsonElement evt;
        string patternText;
        if (name == "complex_multi_key_event")
        {
            // A pattern with a duplicate key: the last one wins, as with Jackson.
            evt = Parse(File.ReadAllText(Path.Combine(directory, "complex_multi_key_event.json")));
            patternText = File.ReadAllText(Path.Combine(directory, "complex_multi_key_event_pattern.json"));
        }
        else
        {
            var root = Parse(File.ReadAllText(Path.Combine(directory, name + ".json5")));
            evt = root.GetProperty("Event");
            // Re-serialize so the pattern text is strict JSON, as an API caller would send it.
            patternText = Strict(root.GetProperty("EventPattern"));
        }

        if (name.EndsWith("_EXC", StringComparison.Ordinal))
        {
            var rejected = !PatternCompiler.TryCompile(patternText, out _, out var error);
            Assert.True(rejected, $"{name}: the pattern should be rejected");
            if (AwsMessages.Value.TryGetValue(name, out var expected)) Assert.Equal(expected, error!.Message);
            return;
        }

        var pattern = PatternCompiler.Compile(patternText);
        var shouldMatch = !name.EndsWith("_NEG", StringComparison.Ordinal);
        Assert.Equal(shouldMatch, pattern.Matches(evt));

        // The many-rule matcher and the canonical text must agree with the single-pattern answer.
        var matcher = new MatcherBuilder<string>().Add("other", PatternCompiler.Compile("""{"source":["never-this"]}""")).Add(name, pattern).Build();
        var matches = new List<string>();
        matcher.Match(evt, matches);
        Assert.Equal(shouldMatch, matches.Contains(name));
        Assert.Equal(shouldMatch, PatternCompiler.Compile(pattern.Json).Matches(evt));
    }

    private static string Strict(JsonElement element)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) element.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static JsonElement Parse(string text)
    {
        using var document = JsonDocument.Parse(text, Json5);
        return document.RootElement.Clone();
    }

    private static readonly Lazy<Dictionary<string, string>> AwsMessages = new(() =>
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var file = Path.Combine(TestPaths.Conformance!, "event-patterns", "_aws-snapshot.json");
        if (!File.Exists(file)) return result;
        using var snapshot = JsonDocument.Parse(File.ReadAllText(file));
        foreach (var test in snapshot.RootElement.EnumerateObject())
        {
            if (!test.Value.TryGetProperty("recorded-content", out var content)) continue;
            foreach (var recorded in content.EnumerateObject())
            {
                if (recorded.Value.ValueKind == JsonValueKind.Object
                    && recorded.Value.TryGetProperty("exception_message", out var exception)
                    && exception.TryGetProperty("Error", out var err)
                    && err.TryGetProperty("Message", out var message))
                    result[recorded.Name] = message.GetString()!;
            }
        }
        return result;
    });
}
