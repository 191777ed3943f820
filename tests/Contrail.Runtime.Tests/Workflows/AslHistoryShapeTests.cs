using System.Text.Json;
using Contrail.Workflows.Asl;

namespace Contrail.Tests.Workflows;

/// <summary>
/// The corpus's recorded histories are not a pass/fail criterion (they carry placeholders, and the recorder re-ordered
/// and dropped events inside Parallel states), but they show AWS's event names, order and payloads. This compares
/// ours event by event (type, state name, index, length, error, and input/output as JSON values where the recording
/// holds no placeholder) for every case whose recording can be trusted, so history construction cannot drift.
/// </summary>
public sealed class AslHistoryShapeTests
{
    [Fact]
    public async Task History_matches_the_recorded_AWS_history()
    {
        TestPaths.RequireConformance("asl");
        var folder = AslConformanceCorpus.Folder!;
        var compared = 0;
        var mismatches = new List<string>();
        foreach (var c in AslConformanceCorpus.Cases)
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "cases", c.Group, c.Id + ".json")));
            if (!doc.RootElement.TryGetProperty("history", out var h) || h.ValueKind != JsonValueKind.Array || h.GetArrayLength() == 0) continue;
            var notes = doc.RootElement.GetProperty("notes").GetString() ?? "";
            // The recorder re-sorted Parallel blocks and dropped events (ParallelStateSucceeded among them).
            if (notes.Contains("re-ordered the events inside Parallel", StringComparison.Ordinal) || c.DefinitionJson.Contains("\"Parallel\"", StringComparison.Ordinal)) continue;
            compared++;
            var recorded = h.EnumerateArray().ToList();
            var ours = await AslConformanceCorpus.RunWithHistoryAsync(c);
            var problem = Compare(recorded, ours);
            if (problem is not null) mismatches.Add($"{c.Group}/{c.Id}: {problem}");
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"compared {compared} histories, {mismatches.Count} differ");
        Assert.True(compared > 300, "too few histories compared");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    private static string? Compare(List<JsonElement> recorded, IReadOnlyList<HistoryEvent> ours)
    {
        for (var i = 0; i < Math.Max(recorded.Count, ours.Count); i++)
        {
            if (i >= recorded.Count) return $"extra event #{i + 1} {ours[i].Type}";
            if (i >= ours.Count) return $"missing event #{i + 1} {recorded[i].GetProperty("type").GetString()}";
            var r = recorded[i];
            var o = ours[i];
            var type = r.GetProperty("type").GetString();
            if (type != o.Type) return $"event #{i + 1}: AWS {type}, ours {o.Type}";
            if (Text(r, "name") is { } name && name != o.Name) return $"event #{i + 1} {type}: name {name} vs {o.Name}";
            if (Text(r, "error") is { } error && error != o.Error) return $"event #{i + 1} {type}: error {error} vs {o.Error}";
            if (r.TryGetProperty("index", out var index) && index.GetInt32() != o.Index) return $"event #{i + 1} {type}: index {index} vs {o.Index}";
            if (r.TryGetProperty("length", out var length) && length.GetInt32() != o.Length) return $"event #{i + 1} {type}: length {length} vs {o.Length}";
            foreach (var (field, value) in new[] { ("input", o.Input), ("output", o.Output), ("parameters", o.Parameters) })
            {
                if (!r.TryGetProperty(field, out var expected) || HasPlaceholder(expected)) continue;
                if (value is null || !AslValue.FromJsonElement(expected).Equals(value))
                    return $"event #{i + 1} {type}: {field} {expected.GetRawText()} vs {value?.ToJsonString() ?? "(none)"}";
            }
        }
        return null;
    }

    private static string? Text(JsonElement e, string field) => e.TryGetProperty(field, out var v) ? v.GetString() : null;

    private static bool HasPlaceholder(JsonElement e)
    {
        var text = e.GetRawText();
        // The recorder's replacements for run-time values (see the corpus README).
        string[] placeholders = ["<", "\"date\"", "RequestId", "RandomNumberGenerated", "generated-uuid", "\"timestamp\""];
        return placeholders.Any(p => text.Contains(p, StringComparison.Ordinal));
    }
}
