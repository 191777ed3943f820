using System.Text.RegularExpressions;
using Contrail.Applications.FlightPulse;
using Contrail.Workflows.Asl;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contrail.Tests.FlightPulse;

/// <summary>
/// Messages: SMS length rules, the templates (tier, special requests, operator overrides), and the optional
/// LLM against a local server speaking the OpenAI chat-completions protocol: its answer is used only when it
/// parses and its facts check out; timeouts, garbage and wrong facts fall back to the template, counted.
/// </summary>
public sealed partial class MessageTests
{
    [Theory]
    [InlineData(160, true)]
    [InlineData(161, false)]
    public void A_gsm7_sms_holds_160_characters(int length, bool fits) =>
        Assert.Equal(fits, SmsText.Fits(new string('a', length)));

    [Fact]
    public void Extension_characters_count_twice_and_other_characters_make_it_ucs2()
    {
        Assert.Equal(160, SmsText.Length(new string('a', 158) + "€"));
        Assert.False(SmsText.Fits(new string('a', 159) + "€"));
        Assert.False(SmsText.IsGsm7("Flight ✈ delayed"));
        Assert.Equal(70, SmsText.Limit("Flight ✈ delayed"));
        Assert.True(SmsText.Fits(new string('b', 69) + "✈"));
        Assert.False(SmsText.Fits(new string('b', 70) + "✈"));
    }

    [Fact]
    public void A_long_sms_is_cut_cleanly_at_a_word_with_an_ellipsis()
    {
        var text = string.Join(' ', Enumerable.Repeat("passengers", 30));
        var cut = SmsText.Fit(text);
        Assert.True(SmsText.Fits(cut));
        Assert.EndsWith("passengers...", cut);
        Assert.True(cut.Length > 140);

        var ucs2 = string.Join(' ', Enumerable.Repeat("✈ vol retardé", 12));
        var cutUcs2 = SmsText.Fit(ucs2);
        Assert.True(cutUcs2.Length <= 70);
        Assert.EndsWith("…", cutUcs2);
        Assert.DoesNotContain("  ", cutUcs2);

        // A surrogate pair is never split.
        var emoji = new string('x', 68) + "😀😀";
        Assert.False(char.IsHighSurrogate(SmsText.Fit(emoji)[^2]));
    }

    private static MessageContext Context(string messageType, string tier, string[]? requests, JsonObject detail) => new(messageType,
        new JsonObject
        {
            ["passenger_id"] = "P1",
            ["first_name"] = "Maximiliana-Bartholomea",
            ["tier"] = tier,
            ["special_requests"] = requests is null ? null : new JsonArray(requests.Select(r => (JsonNode?)r).ToArray()),
        },
        new JsonObject { ["seat"] = "12A", ["confirmation_number"] = "ABC123" }, detail);

    private static JsonObject Delay(int minutes) => new()
    {
        ["event_id"] = "e1", ["flight_id"] = "SW1234", ["delay_minutes"] = minutes, ["delay_category"] = minutes > 120 ? "SEVERE" : "MINOR",
        ["reason"] = "WEATHER", ["reason_detail"] = "Light weather conditions affecting operations",
        ["new_departure"] = "2025-01-15T08:25:00Z", ["new_arrival"] = "2025-01-15T10:55:00Z",
        ["flight_details"] = new JsonObject { ["origin"] = "DAL", ["destination"] = "LAX", ["original_departure"] = "2025-01-15T08:00:00Z" },
    };

    [Fact]
    public void Templates_give_priority_language_to_a_list_tiers_and_mention_special_requests()
    {
        var templates = new MessageTemplates(null, NullLogger.Instance);
        var preferred = templates.Render(Context(MessageTypes.Delay, Tiers.AListPreferred, ["wheelchair_assistance"], Delay(25)));
        Assert.Equal("Flight SW1234 Delay Update", preferred.EmailSubject);
        Assert.Contains("As a valued A-LIST PREFERRED member", preferred.EmailBody);
        Assert.Contains("wheelchair assistance", preferred.EmailBody);
        Assert.Contains("08:25 UTC", preferred.EmailBody);
        Assert.Contains("Dear Maximiliana-Bartholomea,", preferred.EmailBody);
        Assert.True(SmsText.Fits(preferred.Sms), preferred.Sms);

        var member = templates.Render(Context(MessageTypes.Delay, Tiers.Member, null, Delay(25)));
        Assert.DoesNotContain("valued", member.EmailBody);
        Assert.DoesNotContain("request", member.EmailBody);
        Assert.DoesNotContain("\n\n\n", member.EmailBody);

        var cancellation = templates.Render(Context(MessageTypes.Cancellation, Tiers.AList, null, new JsonObject
        {
            ["flight_id"] = "SW9012", ["reason"] = "WEATHER", ["rebooking_priority"] = "HIGH",
            ["flight_details"] = new JsonObject { ["origin"] = "PHX", ["destination"] = "OAK", ["original_departure"] = "2025-01-15T10:00:00Z" },
        }));
        Assert.Contains("sorry", cancellation.EmailBody);
        Assert.Contains("rebooking comes first", cancellation.EmailBody);
        Assert.Contains("cancelled", cancellation.Sms);

        var gate = templates.Render(Context(MessageTypes.GateChange, Tiers.Member, null, new JsonObject
        {
            ["flight_id"] = "SW3456", ["old_gate"] = "A5", ["new_gate"] = "D15", ["terminal_change"] = true,
            ["flight_details"] = new JsonObject { ["destination"] = "SEA" },
        }));
        Assert.StartsWith("URGENT", gate.Sms);
        Assert.Contains("D15", gate.Sms);
        Assert.Contains("different terminal", gate.EmailBody);
    }

    [Fact]
    public void Every_template_sms_fits_even_with_long_names()
    {
        var templates = new MessageTemplates(null, NullLogger.Instance);
        foreach (var type in new[] { MessageTypes.Delay, MessageTypes.Cancellation, MessageTypes.GateChange })
            foreach (var tier in Tiers.All)
            {
                var detail = Delay(1440);
                detail["new_gate"] = "D15";
                detail["old_gate"] = "A5";
                detail["terminal_change"] = true;
                var sms = templates.Render(Context(type, tier, ["wheelchair_assistance"], detail)).Sms;
                Assert.True(SmsText.Fits(sms), $"{type} {tier}: {sms.Length} {sms}");
            }
    }

    [Fact]
    public void An_operator_overrides_a_template_from_the_data_directory()
    {
        var dir = TempDirectory.Create("templates");
        try
        {
            File.WriteAllText(Path.Combine(dir, "delay.sms.hbs"), "{{first_name}}: {{flight_id}} +{{delay_minutes}}m");
            File.WriteAllText(Path.Combine(dir, "delay.email_subject.hbs"), "{{#if broken}");
            var templates = new MessageTemplates(dir, NullLogger.Instance);
            var message = templates.Render(Context(MessageTypes.Delay, Tiers.Member, null, Delay(25)));
            Assert.Equal("Maximiliana-Bartholomea: SW1234 +25m", message.Sms);
            // The override that does not compile is replaced by the built-in one.
            Assert.Equal("Flight SW1234 Delay Update", message.EmailSubject);
        }
        finally
        {
            TempDirectory.Delete(dir);
        }
    }

    /// <summary>What the fake LLM answers: a function of the prompt (so it can state the facts it was given, or not).</summary>
    private sealed class FakeLlm
    {
        public Func<string, string> Answer { get; set; } = _ => "";
        public TimeSpan Delay { get; set; }
        public List<JsonNode> Requests { get; } = [];
        public List<string?> Authorizations { get; } = [];

        public async Task Handle(HttpContext context)
        {
            if (context.Request.Path != "/v1/chat/completions" || context.Request.Method != "POST")
            {
                context.Response.StatusCode = 404;
                return;
            }
            var request = (await JsonNode.ParseAsync(context.Request.Body))!;
            lock (Requests)
            {
                Requests.Add(request);
                Authorizations.Add(context.Request.Headers.Authorization);
            }
            if (Delay > TimeSpan.Zero) await Task.Delay(Delay, context.RequestAborted);
            var prompt = (string)request["messages"]![0]!["content"]!;
            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["id"] = "chatcmpl-test",
                ["object"] = "chat.completion",
                ["model"] = (string?)request["model"],
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = Answer(prompt) },
                    ["finish_reason"] = "stop",
                }),
            });
        }
    }

    private static string Good(string prompt, string? flightOverride = null, string? timeOverride = null)
    {
        var flight = flightOverride ?? FlightIdInPrompt().Match(prompt).Groups[1].Value;
        var time = timeOverride ?? TimeInPrompt().Match(prompt).Groups[1].Value;
        var name = NameInPrompt().Match(prompt).Groups[1].Value;
        return new JsonObject
        {
            ["email_subject"] = $"Your flight {flight} is delayed",
            ["email_body"] = $"Dear {name},\n\nThank you for flying with us. Your flight {flight} now departs at {time} UTC.\n\nCheck the app for updates.",
            ["sms_body"] = $"{name}, flight {flight} now departs {time} UTC.",
        }.ToJsonString();
    }

    [GeneratedRegex(@"- Flight ID: (\S+)")] private static partial Regex FlightIdInPrompt();
    [GeneratedRegex(@"new departure time as (\d\d:\d\d) UTC")] private static partial Regex TimeInPrompt();
    [GeneratedRegex(@"- Name: (.+)")] private static partial Regex NameInPrompt();

    private static async Task<(List<JsonObject> Notifications, JsonNode Metrics)> RunScenario1(FakeLlm llm, string timeout = "00:00:02")
    {
        await using var server = await LocalHttpServer.StartAsync(llm.Handle);
        await using var fp = await FlightPulseHarness.StartAsync(new Dictionary<string, string?>
        {
            ["FlightPulse:Llm:BaseUrl"] = server.Url + "/v1",
            ["FlightPulse:Llm:Model"] = "test-model",
            ["FlightPulse:Llm:ApiKey"] = "sk-test-secret",
            ["FlightPulse:Llm:Timeout"] = timeout,
        });
        var (eventId, result) = await fp.DisruptAsync(Scenarios.Build(1, DateTimeOffset.UtcNow).Events[0].Event);
        Assert.True(result.Status == AslExecutionStatus.Succeeded, FlightPulseHarness.Describe(result));
        return (await fp.NotificationsAsync(eventId), (await fp.Client.GetJsonAsync("/flightpulse/metrics"))!);
    }

    [Fact]
    public async Task A_checked_llm_answer_is_used_and_counted()
    {
        var llm = new FakeLlm { Answer = prompt => Good(prompt) };
        var (notifications, metrics) = await RunScenario1(llm);
        Assert.All(notifications, n => Assert.Equal("llm", (string?)n["message_source"]));
        Assert.Equal(4, (long)metrics["LLMInvocationsSuccess"]!);
        Assert.Equal(0, (long)metrics["LLMInvocationsFailed"]!);
        Assert.Equal(0, (long)metrics["LLMFallbacks"]!);
        // One call per passenger, with FlightPulse's prompt, the configured model and key.
        Assert.Equal(4, llm.Requests.Count);
        Assert.All(llm.Requests, r => Assert.Equal("test-model", (string?)r["model"]));
        Assert.All(llm.Authorizations, a => Assert.Equal("Bearer sk-test-secret", a));
        var prompts = llm.Requests.Select(r => (string)r["messages"]![0]!["content"]!).ToList();
        Assert.All(prompts, p => Assert.Contains("Generate a personalized, empathetic notification message for an airline passenger.", p));
        Assert.Contains(prompts, p => p.Contains("- Tier: A-LIST PREFERRED") && p.Contains("Acknowledge A-LIST status with priority language"));
        Assert.Contains(prompts, p => p.Contains("- Special Requests: wheelchair_assistance") && p.Contains("Mention special assistance needs"));
        Assert.All(prompts, p => Assert.Contains("Adjust tone: informative", p));
    }

    public static TheoryData<string, string> Failures => new()
    {
        { "garbage", "invalid_json" },
        { "prose around json", "invalid_json" },
        { "missing field", "invalid_json" },
        { "wrong flight", "fact_check" },
        { "wrong time", "fact_check" },
        { "long sms", "fact_check" },
        { "timeout", "timeout" },
        { "http 500", "http_error" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Any_llm_failure_falls_back_to_the_template_and_is_counted(string failure, string reason)
    {
        var llm = new FakeLlm
        {
            Answer = failure switch
            {
                "garbage" => _ => "I'm sorry, I can't help with that.",
                "prose around json" => p => "Here you go: " + Good(p) + " Hope this helps!",
                "missing field" => _ => """{"email_subject":"Delay","email_body":"Your flight SW1234 is late."}""",
                "wrong flight" => p => Good(p, flightOverride: "SW9999"),
                "wrong time" => p => Good(p, timeOverride: "23:59"),
                "long sms" => p => Good(p).Replace("UTC.\"", "UTC. " + new string('z', 170) + "\""),
                _ => p => Good(p),
            },
            Delay = failure == "timeout" ? TimeSpan.FromSeconds(5) : TimeSpan.Zero,
        };
        var (notifications, metrics) = failure == "http 500"
            ? await RunBroken()
            : await RunScenario1(llm, timeout: "00:00:00.300");
        Assert.All(notifications, n => Assert.Equal("template", (string?)n["message_source"]));
        Assert.All(notifications, n => Assert.Equal("sent", (string?)n["status"]));
        Assert.Equal(0, (long)metrics["LLMInvocationsSuccess"]!);
        Assert.Equal(4, (long)metrics["LLMInvocationsFailed"]!);
        Assert.Equal(4, (long)metrics["LLMFallbacks"]!);
        Assert.Equal(4, (long)metrics["LLMFailedBy" + reason]!);
    }

    private static async Task<(List<JsonObject>, JsonNode)> RunBroken()
    {
        await using var server = await LocalHttpServer.StartAsync(c => { c.Response.StatusCode = 500; return c.Response.WriteAsync("{\"error\":{\"message\":\"overloaded\"}}"); });
        await using var fp = await FlightPulseHarness.StartAsync(new Dictionary<string, string?> { ["FlightPulse:Llm:BaseUrl"] = server.Url + "/v1" });
        var (eventId, result) = await fp.DisruptAsync(Scenarios.Build(1, DateTimeOffset.UtcNow).Events[0].Event);
        Assert.Equal(AslExecutionStatus.Succeeded, result.Status);
        return (await fp.NotificationsAsync(eventId), (await fp.Client.GetJsonAsync("/flightpulse/metrics"))!);
    }

    [Fact]
    public void The_parser_is_strict_but_accepts_a_fenced_object()
    {
        Assert.NotNull(LlmMessenger.Parse("```json\n{\"email_subject\":\"a\",\"email_body\":\"b\",\"sms_body\":\"c\"}\n```"));
        Assert.Null(LlmMessenger.Parse("{\"email_subject\":\"a\",\"email_body\":\"b\",\"sms_body\":\"c\"} trailing"));
        Assert.Null(LlmMessenger.Parse("{\"email_subject\":\"a\",\"email_body\":\"b\",\"sms_body\":3}"));
        Assert.Null(LlmMessenger.Parse("[]"));
    }
}
