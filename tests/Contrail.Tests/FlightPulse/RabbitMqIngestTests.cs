using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Contrail.Applications.FlightPulse;
using RabbitMQ.Client;

namespace Contrail.Tests.FlightPulse;

/// <summary>
/// The broker source: FlightPulse envelopes from a RabbitMQ queue (a real RabbitMQ, Debian's rabbitmq-server,
/// started by the test on loopback; skipped with the reason when the machine lacks it) are accepted as on
/// POST /events, once per event_id, and invalid messages land in the dead-letter queue with the reason.
/// </summary>
public sealed class RabbitMqIngestTests
{
    [Fact]
    public async Task Valid_messages_are_accepted_once_and_invalid_ones_dead_lettered_with_the_reason()
    {
        await using var rabbit = await RabbitMqServer.StartAsync();
        await using var fp = await FlightPulseHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Ingest:RabbitMq:Uri"] = rabbit.Uri,
            ["Ingest:RabbitMq:Queue"] = "flight-operations",
        });
        var factory = new ConnectionFactory { Uri = new Uri(rabbit.Uri) };
        await using var connection = await factory.CreateConnectionAsync(TestContext.Current.CancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: TestContext.Current.CancellationToken);
        await channel.QueueDeclareAsync("flight-operations", durable: true, exclusive: false, autoDelete: false);
        await channel.QueueDeclareAsync("flight-operations.dlq", durable: true, exclusive: false, autoDelete: false);

        async Task Publish(string body) =>
            await channel.BasicPublishAsync("", "flight-operations", Encoding.UTF8.GetBytes(body));

        var valid = Scenarios.Event(OperationalEventFormat.Delay, "SW1234", DateTimeOffset.UtcNow, 25, "WEATHER");
        var id = (string)valid["event_id"]!;
        await Publish(valid.ToJsonString());
        await Publish(valid.ToJsonString()); // a redelivery: the same event_id
        await Publish(Scenarios.Event(OperationalEventFormat.Delay, "XX404", DateTimeOffset.UtcNow).ToJsonString());
        await Publish("not json at all");

        var stored = await Eventually.Until(() => fp.Client.GetJsonAsync($"/events/{id}"), e => e is not null, TimeSpan.FromSeconds(30), "the broker's event accepted");
        Assert.Equal("flight.delay.minor", (string?)stored!["event"]!["detail-type"]);

        var dead = new List<(string Body, string Reason)>();
        await Eventually.Until(async () =>
        {
            while (await channel.BasicGetAsync("flight-operations.dlq", autoAck: true) is { } message)
                dead.Add((Encoding.UTF8.GetString(message.Body.Span), Encoding.UTF8.GetString((byte[])message.BasicProperties.Headers![RabbitMqIngest.ReasonHeader]!)));
            return dead.Count;
        }, count => count >= 2, TimeSpan.FromSeconds(30), "two dead-lettered messages");
        Assert.Contains(dead, d => d.Reason.Contains("/payload/flight_id: unknown flight 'XX404'"));
        Assert.Contains(dead, d => d.Body == "not json at all" && d.Reason.StartsWith("the message is not JSON"));

        Assert.Single((await fp.Client.GetJsonAsync("/events?detail_type=flight.delay.minor"))!["items"]!.AsArray());
        var metrics = await fp.Client.GetJsonAsync("/flightpulse/metrics");
        Assert.Equal(1, (long)metrics!["DelayEventsProcessed"]!);
        Assert.Equal(2, (long)metrics["ProcessingErrors"]!);
        // Everything was acknowledged: nothing waits in the source queue.
        Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync("flight-operations")).MessageCount);
    }

    /// <summary>Debian's RabbitMQ on free loopback ports, with its state in a temporary folder; no systemd.</summary>
    private sealed class RabbitMqServer : IAsyncDisposable
    {
        private const string Bin = "/usr/lib/rabbitmq/bin";
        private readonly Process _process;
        private readonly string _state;
        private readonly Dictionary<string, string> _environment;

        private RabbitMqServer(Process process, string state, Dictionary<string, string> environment, int port)
        {
            _process = process;
            _state = state;
            _environment = environment;
            Uri = $"amqp://guest:guest@127.0.0.1:{port}/";
        }

        public string Uri { get; }

        public static async Task<RabbitMqServer> StartAsync()
        {
            if (!File.Exists(Path.Combine(Bin, "rabbitmq-server"))) Assert.Skip("rabbitmq-server is not installed (scripts/install-test-deps.sh installs it)");
            var state = TempDirectory.Create("rabbitmq");
            var (port, distPort) = (LoopbackPort.Free(), LoopbackPort.Free());
            Directory.CreateDirectory(Path.Combine(state, "log"));
            Directory.CreateDirectory(Path.Combine(state, "mnesia"));
            await File.WriteAllTextAsync(Path.Combine(state, "rabbitmq.conf"), $"listeners.tcp.default = 127.0.0.1:{port}\nloopback_users.guest = true\n");
            await File.WriteAllTextAsync(Path.Combine(state, "enabled_plugins"), "[].");
            await File.WriteAllTextAsync(Path.Combine(state, "rabbitmq-env.conf"), "");
            var node = $"contrail{Guid.NewGuid():N}"[..20] + "@localhost";
            var environment = new Dictionary<string, string>
            {
                ["HOME"] = state,
                ["RABBITMQ_NODENAME"] = node,
                ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
                ["RABBITMQ_NODE_PORT"] = port.ToString(),
                ["RABBITMQ_DIST_PORT"] = distPort.ToString(),
                ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
                ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(state, "rabbitmq-env.conf"),
                ["RABBITMQ_CONFIG_FILE"] = Path.Combine(state, "rabbitmq.conf"),
                ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(state, "enabled_plugins"),
                ["RABBITMQ_MNESIA_BASE"] = Path.Combine(state, "mnesia"),
                ["RABBITMQ_LOG_BASE"] = Path.Combine(state, "log"),
                ["RABBITMQ_PID_FILE"] = Path.Combine(state, "rabbit.pid"),
                ["RABBITMQ_LOGS"] = Path.Combine(state, "log", "rabbit.log"),
                ["ERL_CRASH_DUMP"] = Path.Combine(state, "erl_crash.dump"),
                ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
            };
            var start = new ProcessStartInfo(Path.Combine(Bin, "rabbitmq-server")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var (key, value) in environment) start.Environment[key] = value;
            var process = Process.Start(start)!;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new RabbitMqServer(process, state, environment, port);
            try
            {
                var factory = new ConnectionFactory { Uri = new Uri(server.Uri) };
                await Eventually.Until(async () =>
                {
                    Assert.False(process.HasExited, "rabbitmq-server exited during start-up");
                    try
                    {
                        await using var probe = await factory.CreateConnectionAsync();
                        return true;
                    }
                    catch (Exception ex) when (ex is RabbitMQ.Client.Exceptions.BrokerUnreachableException or SocketException or IOException)
                    {
                        return false;
                    }
                }, ok => ok, TimeSpan.FromSeconds(90), "RabbitMQ accepting connections");
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
            return server;
        }

        private static async Task<string?> Run(string file, string arguments)
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(file, arguments) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })!;
                var output = await process.StandardOutput.ReadToEndAsync();
                await process.WaitForExitAsync();
                return output;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            // rabbitmqctl stop ends the node cleanly; the kill covers a node that did not start.
            var stop = new ProcessStartInfo(Path.Combine(Bin, "rabbitmqctl")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "stop", Path.Combine(_state, "rabbit.pid") }) stop.ArgumentList.Add(arg);
            foreach (var (key, value) in _environment) stop.Environment[key] = value;
            try
            {
                using var ctl = Process.Start(stop)!;
                await ctl.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.ComponentModel.Win32Exception)
            {
            }
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
            // The Erlang VM starts epmd on demand and it outlives the node: stop it when it serves no other node.
            if (await Run("epmd", "-names") is { } names && !names.Contains("name ")) await Run("epmd", "-kill");
            TempDirectory.Delete(_state);
        }
    }
}
