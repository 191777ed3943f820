namespace Contrail.Tests.Bus;

/// <summary>Rules declared in configuration files: loaded at every start, read-only through the API, removed with their file.</summary>
public sealed class RuleFileTests
{
    private const string Rule = """
        // Routed by operations, not by code.
        {"name":"from-file","description":"declared in a file","event_pattern":{"source":["filed"]},
         "targets":[{"id":"q","type":"queue","name":"filed-events"}],}
        """;

    [Fact]
    public async Task Rules_in_the_data_directorys_rules_folder_load_at_start_and_go_when_their_file_goes()
    {
        await using var first = await TestServer.StartAsync();
        await first.Client.CreateQueueAsync("filed-events");
        var folder = Path.Combine(first.DataDir, "rules");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "routing.json"), Rule);

        await using var second = await first.RestartAsync();
        var rule = await second.Client.GetJsonAsync("/rules/from-file");
        Assert.Equal("config", (string?)rule!["origin"]);
        Assert.Equal("declared in a file", (string?)rule["description"]);
        await second.Client.PostEventAsync("filed", "x");
        Assert.Single(await second.Client.MessagesEventuallyAsync("filed-events", 1));
        using (var put = await second.Client.PutJsonAsync("/rules/from-file", """{"event_pattern":{"source":["x"]}}"""))
            Assert.Contains("configuration file", (string?)(await put.ProblemAsync(HttpStatusCode.Conflict))["detail"]);
        using (var delete = await second.Client.DeleteAsync("/rules/from-file")) await delete.ProblemAsync(HttpStatusCode.Conflict);

        File.Delete(Path.Combine(folder, "routing.json"));
        await using var third = await second.RestartAsync();
        using var gone = await third.Client.GetAsync("/rules/from-file");
        await gone.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Rules_files_listed_in_settings_load_too()
    {
        var dir = TempDirectory.Create("rule-files");
        try
        {
            var file = Path.Combine(dir, "rules.json");
            await File.WriteAllTextAsync(file, "[" + Rule + "]");
            await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Rules:Files:0"] = file });
            Assert.Equal("config", (string?)(await server.Client.GetJsonAsync("/rules/from-file"))!["origin"]);
        }
        finally
        {
            TempDirectory.Delete(dir);
        }
    }

    [Fact]
    public async Task An_invalid_rules_file_stops_the_start_naming_the_file_and_every_problem()
    {
        var dir = TempDirectory.Create("rule-files");
        try
        {
            var file = Path.Combine(dir, "broken.json");
            await File.WriteAllTextAsync(file, """
                [{"name":"bad-pattern","event_pattern":{"source":"x"}},
                 {"name":"bad-target","event_pattern":{"source":["x"]},"targets":[{"id":"t","type":"fax","name":"n"}]},
                 {"event_pattern":{"source":["x"]}},
                 {"name":"flight-events-persist-rule","event_pattern":{"source":["x"]}}]
                """);
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => TestServer.StartAsync(new Dictionary<string, string?> { ["Rules:Files:0"] = file }));
            Assert.Contains($"{file}#/0/event_pattern/source: Event pattern is not valid. Reason:", ex.Message);
            Assert.Contains($"{file}#/1/targets/0/type: unknown target type 'fax'", ex.Message);
            Assert.Contains($"{file}#/2/name: required", ex.Message);
            Assert.Contains($"{file}#/3/name: 'flight-events-persist-rule' is a rule declared by an application", ex.Message);
        }
        finally
        {
            TempDirectory.Delete(dir);
        }
    }
}
