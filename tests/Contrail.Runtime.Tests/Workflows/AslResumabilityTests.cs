using Contrail.Workflows.Asl;

namespace Contrail.Tests.Workflows;

/// <summary>
/// The execution model is resumable: every corpus case (JSONPath and JSONata) gives exactly the same outcome when each frame is serialised
/// to JSON and reloaded between steps and each step is replayed from its stored row (see <see cref="DurableSimulationDriver"/>).
/// </summary>
public sealed class AslResumabilityTests
{
    [Fact]
    public async Task Every_corpus_case_has_the_same_outcome_when_frames_are_stored_and_reloaded_between_steps()
    {
        TestPaths.RequireConformance("asl");
        var problems = new List<string>();
        var compared = 0;
        foreach (var c in AslConformanceCorpus.Cases)
        {
            var (inMemory, durable, determinism) = await AslConformanceCorpus.RunBothDriversAsync(c);
            if (inMemory is null || durable is null)
            {
                problems.Add($"{c.Id}: a driver did not finish");
                continue;
            }
            compared++;
            foreach (var d in determinism) problems.Add($"{c.Id}: {d}");
            if (inMemory.Status != durable.Status || inMemory.Error != durable.Error || inMemory.Cause != durable.Cause
                || !Equals(inMemory.Output, durable.Output))
                problems.Add($"{c.Id}: in-memory {inMemory.Status} {inMemory.Output?.ToJsonString()} {inMemory.Error} / durable {durable.Status} {durable.Output?.ToJsonString()} {durable.Error}");
            if (inMemory.Transitions != durable.Transitions)
                problems.Add($"{c.Id}: transitions {inMemory.Transitions} vs {durable.Transitions}");
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"compared {compared} cases");
        Assert.True(problems.Count == 0, string.Join("\n\n", problems.Take(20)));
    }
}
