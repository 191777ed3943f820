using System.Globalization;
using System.Text;

namespace Contrail.Tests.Workflows;

/// <summary>
/// The ASL conformance corpus (<c>../shared/conformance/asl</c>): one test per execution case and per validation case,
/// compared as the corpus README says. Cases listed in <c>asl-known-failures.json</c> are checked to still fail and
/// then reported as skipped with their reason (a listed case that passes fails the suite, so the list cannot rot).
/// </summary>
public sealed class AslConformanceTests
{
    private const string Absent = "(corpus absent)";

    public static TheoryData<string> ExecutionCases()
    {
        var data = new TheoryData<string>();
        var cases = AslConformanceCorpus.Cases;
        if (cases.Count == 0) data.Add(Absent);
        foreach (var c in cases) data.Add(c.Id);
        return data;
    }

    public static TheoryData<string> ValidationCases()
    {
        var data = new TheoryData<string>();
        var cases = AslConformanceCorpus.ValidationCases;
        if (cases.Count == 0) data.Add(Absent);
        foreach (var c in cases) data.Add(c.Id);
        return data;
    }

    [Theory]
    [MemberData(nameof(ExecutionCases))]
    public async Task Execution_case_matches_AWS(string id)
    {
        TestPaths.RequireConformance("asl");
        var c = AslConformanceCorpus.Case(id);
        var result = await AslConformanceCorpus.RunAsync(c);
        TestContext.Current.TestOutputHelper?.WriteLine(result.Detail);
        CheckAgainstKnownFailures(id, result);
    }

    [Theory]
    [MemberData(nameof(ValidationCases))]
    public void Validation_case_matches_verdict(string id)
    {
        TestPaths.RequireConformance("asl");
        var c = AslConformanceCorpus.ValidationCase(id);
        var result = AslConformanceCorpus.RunValidation(c);
        TestContext.Current.TestOutputHelper?.WriteLine(result.Detail);
        CheckAgainstKnownFailures("validation:" + id, result);
    }

    /// <summary>Runs the whole corpus and writes the per-group pass rates (the figures in docs/conformance.md).</summary>
    [Fact]
    public async Task Corpus_pass_rates_per_group()
    {
        TestPaths.RequireConformance("asl");
        var rows = new SortedDictionary<string, (int Pass, int Total)>(StringComparer.Ordinal);
        var failures = new List<string>();
        foreach (var c in AslConformanceCorpus.Cases)
        {
            var r = await AslConformanceCorpus.RunAsync(c);
            var (pass, total) = rows.GetValueOrDefault(c.Group);
            rows[c.Group] = (pass + (r.Passed ? 1 : 0), total + 1);
            if (!r.Passed) failures.Add($"{c.Group}/{c.Id}");
        }
        var validation = (Pass: 0, Total: 0);
        foreach (var c in AslConformanceCorpus.ValidationCases)
        {
            var r = AslConformanceCorpus.RunValidation(c);
            validation = (validation.Pass + (r.Passed ? 1 : 0), validation.Total + 1);
            if (!r.Passed) failures.Add($"validation/{c.Id}");
        }

        var sb = new StringBuilder();
        sb.AppendLine("| group | passed | cases | rate |");
        sb.AppendLine("|---|---|---|---|");
        var jsonPath = (Pass: 0, Total: 0);
        foreach (var (group, (pass, total)) in rows)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {group} | {pass} | {total} | {Rate(pass, total)} |");
            if (group != AslConformanceCorpus.JsonataGroup) jsonPath = (jsonPath.Pass + pass, jsonPath.Total + total);
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"| **all JSONPath groups** | {jsonPath.Pass} | {jsonPath.Total} | {Rate(jsonPath.Pass, jsonPath.Total)} |");
        sb.AppendLine(CultureInfo.InvariantCulture, $"| **validation** | {validation.Pass} | {validation.Total} | {Rate(validation.Pass, validation.Total)} |");
        sb.AppendLine();
        sb.AppendLine("Failing: " + (failures.Count == 0 ? "none" : string.Join(", ", failures)));
        TestContext.Current.TestOutputHelper?.WriteLine(sb.ToString());

        Assert.True(jsonPath.Pass * 100 >= jsonPath.Total * 95, $"JSONPath pass rate below 95%:\n{sb}");
        Assert.True(validation.Pass * 100 >= validation.Total * 95, $"validation pass rate below 95%:\n{sb}");
        Assert.True(rows.TryGetValue(AslConformanceCorpus.JsonataGroup, out var jsonata) && jsonata.Pass * 100 >= jsonata.Total * 95, $"JSONata pass rate below 95%:\n{sb}");
        foreach (var group in new[] { "base", "choice", "intrinsic_functions", "error_handling", "map", "parallel", "context_object" })
            Assert.True(rows.TryGetValue(group, out var g) && g.Pass == g.Total, $"group {group} must pass 100%:\n{sb}");
    }

    private static string Rate(int pass, int total) =>
        total == 0 ? "-" : (pass * 100.0 / total).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static void CheckAgainstKnownFailures(string key, AslCaseResult result)
    {
        if (AslConformanceCorpus.KnownFailures.TryGetValue(key, out var reason))
        {
            Assert.False(result.Passed, $"'{key}' is listed in asl-known-failures.json ({reason}) but now passes: remove it from the list.");
            Assert.Skip("Known failure: " + reason);
        }
        Assert.True(result.Passed, result.Detail);
    }
}
