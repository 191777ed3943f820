using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Contrail.Applications.FlightPulse;
using Contrail.Workflows.Asl;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Contrail.Tests.FlightPulse;

/// <summary>
/// Delivery through real senders: email to a real SMTP server (Debian's python3-aiosmtpd, started by the test,
/// skipped with the reason when the machine lacks it), SMS to an HTTP webhook with Idempotency-Key; a send
/// that fails is retried by the workflow and nothing already sent goes out again. Logs never carry an address.
/// </summary>
public sealed class DeliveryTests
{
    [Fact]
    public async Task Email_goes_through_smtp_with_a_deterministic_message_id_once()
    {
        await using var smtp = await SmtpServer.StartAsync();
        await using var fp = await FlightPulseHarness.StartAsync(new Dictionary<string, string?>
        {
            ["FlightPulse:Delivery:Email:Smtp:Host"] = "127.0.0.1",
            ["FlightPulse:Delivery:Email:Smtp:Port"] = smtp.Port.ToString(),
            ["FlightPulse:Delivery:Email:Smtp:From"] = "FlightPulse <ops@airline.test>",
        });
        var (eventId, result) = await fp.DisruptAsync(Scenarios.Build(1, DateTimeOffset.UtcNow).Events[0].Event);
        Assert.True(result.Status == AslExecutionStatus.Succeeded, FlightPulseHarness.Describe(result));

        var mails = await Eventually.Until(() => Task.FromResult(smtp.Messages()), m => m.Count >= 4, because: "four emails at the SMTP server");
        Assert.Equal(4, mails.Count);
        var recipients = new[] { "john.smith@example.com", "sarah.j@example.com", "m.brown@example.com", "emily.d@example.com" };
        foreach (var recipient in recipients)
        {
            var mail = Assert.Single(mails, m => m.Contains($"To: {recipient}", StringComparison.OrdinalIgnoreCase));
            var passenger = "P00" + (Array.IndexOf(recipients, recipient) + 1);
            Assert.Contains("Message-ID: " + SmtpSender.MessageId($"{eventId}/{passenger}/email", "flightpulse.contrail"), mail);
            Assert.Contains("Subject: Flight SW1234 Delay Update", mail);
            Assert.Contains("From: \"FlightPulse\" <ops@airline.test>", mail);
        }

        // The workflow again (a redelivery): nothing already sent is sent twice.
        Assert.Equal(AslExecutionStatus.Succeeded, (await fp.RunWorkflowAsync(await fp.EnvelopeAsync(eventId))).Status);
        Assert.Equal(4, smtp.Messages().Count);
    }

    [Fact]
    public async Task Sms_goes_to_the_webhook_with_an_idempotency_key_and_a_failed_send_is_retried()
    {
        var received = new ConcurrentQueue<(string Key, JsonNode Body)>();
        var calls = 0;
        await using var webhook = await LocalHttpServer.StartAsync(async context =>
        {
            // The gateway is down for the first call: the batch fails and the workflow retries it.
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.StatusCode = 503;
                return;
            }
            received.Enqueue((context.Request.Headers["Idempotency-Key"].ToString(), (await JsonNode.ParseAsync(context.Request.Body))!));
            context.Response.StatusCode = 202;
        });
        await using var fp = await FlightPulseHarness.StartAsync(new Dictionary<string, string?> { ["FlightPulse:Delivery:Sms:Webhook:Url"] = webhook.Url + "/sms" });
        var (eventId, result) = await fp.DisruptAsync(Scenarios.Build(1, DateTimeOffset.UtcNow).Events[0].Event);
        Assert.True(result.Status == AslExecutionStatus.Succeeded, FlightPulseHarness.Describe(result));

        // Three passengers want SMS; each reached the gateway exactly once, keyed by its notification.
        Assert.Equal(3, received.Count);
        Assert.Equal(received.Select(r => r.Key).Order(), received.Select(r => (string)r.Body["id"]!).Order());
        Assert.All(received, r => Assert.StartsWith(eventId + "/", r.Key));
        Assert.Contains(received, r => (string?)r.Body["to"] == "+15551234567" && ((string)r.Body["message"]!).Contains("SW1234"));
        var sms = (await fp.NotificationsAsync(eventId)).Where(n => (string?)n["channel"] == "sms").ToList();
        Assert.All(sms, n => Assert.Equal("sent", (string?)n["status"]));
        // The first passenger's SMS failed once, then went out: two attempts; email went out at the first.
        Assert.Contains(sms, n => (int)n["attempts"]! == 2);
        Assert.Equal(1, (long)(await fp.Client.GetJsonAsync("/flightpulse/metrics"))!["ProcessingErrors"]!);
    }

    [Fact]
    public async Task Logs_never_carry_a_passengers_address_or_a_secret()
    {
        var logs = new CapturingLoggerProvider();
        await using var webhook = await LocalHttpServer.StartAsync(context => { context.Response.StatusCode = 500; return Task.CompletedTask; });
        await using var fp = await FlightPulseHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Debug",
            ["FlightPulse:Delivery:Sms:Webhook:Url"] = webhook.Url + "/sms",
            ["FlightPulse:Delivery:Sms:Webhook:Token"] = "sms-token-secret",
            ["FlightPulse:Llm:BaseUrl"] = webhook.Url + "/v1",
            ["FlightPulse:Llm:ApiKey"] = "sk-llm-secret",
        }, services: s => s.AddSingleton<ILoggerProvider>(logs));
        foreach (var n in new[] { 1, 3, 4 })
            await fp.DisruptAsync(Scenarios.Build(n, DateTimeOffset.UtcNow).Events[0].Event);

        var text = logs.Text();
        Assert.Contains("Sending notification", text); // the failures were logged
        Assert.Contains("LLM message rejected", text);
        var passengers = fp.Server.Store.Read(r => r.RecordList("passengers", "", 100));
        foreach (var passenger in passengers)
        {
            Assert.DoesNotContain((string)passenger.Value["email"]!, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain((string)passenger.Value["phone"]!, text);
        }
        Assert.DoesNotContain("sms-token-secret", text);
        Assert.DoesNotContain("sk-llm-secret", text);
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public string Text() => string.Join('\n', _lines);

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose() { }

        private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                provider._lines.Enqueue($"{category} {formatter(state, exception)} {values} {exception}");
            }
        }
    }

    /// <summary>Debian's aiosmtpd on a free loopback port, storing what it receives in a Maildir.</summary>
    private sealed class SmtpServer : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _maildir;

        private SmtpServer(Process process, string maildir, int port)
        {
            _process = process;
            _maildir = maildir;
            Port = port;
        }

        public int Port { get; }

        public List<string> Messages()
        {
            var folder = Path.Combine(_maildir, "new");
            return Directory.Exists(folder) ? Directory.GetFiles(folder).Select(File.ReadAllText).ToList() : [];
        }

        public static async Task<SmtpServer> StartAsync()
        {
            var python = new[] { "/usr/bin/python3", "python3" }.FirstOrDefault(HasAiosmtpd);
            if (python is null) Assert.Skip("python3-aiosmtpd is not installed (scripts/install-test-deps.sh installs it)");
            var port = LoopbackPort.Free();
            // A folder that does not exist yet: the handler creates it as a Maildir (tmp, new, cur).
            var maildir = Path.Combine(TempDirectory.Create("smtp"), "Maildir");
            var start = new ProcessStartInfo(python) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", maildir }) start.ArgumentList.Add(arg);
            var process = Process.Start(start)!;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new SmtpServer(process, maildir, port);
            await Eventually.Until(() => Listening(port), because: "the SMTP server listening");
            return server;
        }

        private static bool HasAiosmtpd(string python)
        {
            try
            {
                using var probe = Process.Start(new ProcessStartInfo(python, "-c \"import aiosmtpd\"") { UseShellExecute = false, RedirectStandardError = true })!;
                probe.WaitForExit(10_000);
                return probe.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }

        private static bool Listening(int port)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        public ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            _process.Dispose();
            TempDirectory.Delete(Path.GetDirectoryName(_maildir)!);
            return ValueTask.CompletedTask;
        }
    }
}
