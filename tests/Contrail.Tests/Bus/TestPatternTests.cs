using System.Diagnostics;
using System.Text.Json;

namespace Contrail.Tests.Bus;

/// <summary><c>POST /rules/test-pattern</c> and <c>contrail rules test</c>: AWS's TestEventPattern, online and offline.</summary>
public sealed class TestPatternTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private const string Event = """{"id":"1","source":"shop","detail-type":"order.placed","account":"1","region":"r","time":"2025-01-15T08:00:00Z","detail":{"total":35}}""";

    private async Task<bool> Test(string body)
    {
        using var response = await _server.Client.PostJsonAsync("/rules/test-pattern", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (bool)(await response.JsonAsync())["result"]!;
    }

    [Fact]
    public async Task A_pattern_and_an_event_answer_whether_they_match()
    {
        Assert.True(await Test($$$"""{"event_pattern":{"detail":{"total":[{"numeric":["=",3.5e1]}]}},"event":{{{Event}}}}"""));
        Assert.False(await Test($$$"""{"event_pattern":{"source":["other"]},"event":{{{Event}}}}"""));
    }

    [Fact]
    public async Task Both_may_be_strings_holding_JSON_as_AWS_takes_them() =>
        Assert.True(await Test(JsonSerializer.Serialize(new Dictionary<string, string> { ["event_pattern"] = """{"source":[{"prefix":"sh"}]}""", ["event"] = Event })));

    [Theory]
    [InlineData("""{"event_pattern":{"source":"shop"},"event":{}}""", "/event_pattern/source: Event pattern is not valid. Reason: \"source\" must be an object or an array")]
    [InlineData("""{"event_pattern":"{\"source\":","event":{}}""", "/event_pattern: Event pattern is not valid. Reason: ")]
    [InlineData("""{"event":{}}""", "/event_pattern: required")]
    [InlineData("""{"event_pattern":{"source":["a"]}}""", "/event: required")]
    [InlineData("""{"event_pattern":{"source":["a"]},"event":[1]}""", "/event: must be a JSON object, or a string holding one")]
    [InlineData("""{"event_pattern":{"source":["a"]},"event":"[1]"}""", "/event: must be a JSON object, or a string holding one")]
    [InlineData("""{"event_pattern":{"source":["a"]},"event":"{bad"}""", "/event: is not valid JSON")]
    [InlineData("""[]""", ": the body must be a JSON object")]
    public async Task Invalid_input_is_a_400_problem_saying_why(string body, string expected)
    {
        using var response = await _server.Client.PostJsonAsync("/rules/test-pattern", body);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem.Errors(), e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Malformed_JSON_is_a_400_problem()
    {
        using var response = await _server.Client.PostJsonAsync("/rules/test-pattern", "{\"event_pattern\":");
        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("complex_or")]
    [InlineData("complex_or_NEG")]
    [InlineData("arrays")]
    [InlineData("arrays_NEG")]
    [InlineData("content_anything_prefix_empty_EXC")]
    [InlineData("content_exists_NEG")]
    [InlineData("content_anything_but_number_list")]
    public async Task The_endpoint_agrees_with_the_conformance_corpus(string name)
    {
        var directory = TestPaths.RequireConformance("event-patterns");
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, name + ".json5")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var body = JsonSerializer.Serialize(new { event_pattern = document.RootElement.GetProperty("EventPattern"), @event = document.RootElement.GetProperty("Event") });
        using var response = await _server.Client.PostJsonAsync("/rules/test-pattern", body);
        if (name.EndsWith("_EXC", StringComparison.Ordinal))
        {
            var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
            var detail = (string?)problem["errors"]![0]!["detail"];
            Assert.StartsWith("Event pattern is not valid. Reason: ", detail);
            if (AwsMessage(directory, name) is { } aws) Assert.Equal(aws, detail);
            return;
        }
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(!name.EndsWith("_NEG", StringComparison.Ordinal), (bool)(await response.JsonAsync())["result"]!);
    }

    private static string? AwsMessage(string directory, string name)
    {
        using var snapshot = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "_aws-snapshot.json")));
        foreach (var test in snapshot.RootElement.EnumerateObject())
            if (test.Value.TryGetProperty("recorded-content", out var content) && content.TryGetProperty(name, out var recorded)
                && recorded.TryGetProperty("exception_message", out var exception))
                return exception.GetProperty("Error").GetProperty("Message").GetString();
        return null;
    }

    [Fact]
    public async Task The_command_line_answers_offline_from_inline_JSON_or_files()
    {
        var dir = TempDirectory.Create("cli");
        try
        {
            var patternFile = Path.Combine(dir, "pattern.json");
            await File.WriteAllTextAsync(patternFile, """{"detail":{"total":[{"numeric":[">",30]}]}}""");
            Assert.Equal((0, "true"), await Cli("--pattern", patternFile, "--event", Event));
            Assert.Equal((1, "false"), await Cli("--pattern", """{"source":["other"]}""", "--event", Event));
            var (code, output) = await Cli("--pattern", """{"source":"shop"}""", "--event", Event);
            Assert.Equal(2, code);
            Assert.Contains("/event_pattern/source: Event pattern is not valid. Reason:", output);
            Assert.Equal(2, (await Cli("--pattern", Path.Combine(dir, "missing.json"), "--event", Event)).Code);
        }
        finally
        {
            TempDirectory.Delete(dir);
        }
    }

    private static async Task<(int Code, string Output)> Cli(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["exec", ContrailProcess.ExecutablePath, "rules", "test", .. args]) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        return (process.ExitCode, ((await stdout).Trim() + (await stderr).Trim()).Trim());
    }
}
