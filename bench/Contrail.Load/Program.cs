using Contrail.Load;

// Usage:
//   dotnet run -c Release --project bench/Contrail.Load -- ingest [--batch 1|100] [--connections 64] [--seconds 20] [--unrouted] [--wrk]
//   dotnet run -c Release --project bench/Contrail.Load -- queue [--messages 400000] [--concurrency 32]
//   dotnet run -c Release --project bench/Contrail.Load -- flightpulse-cancel [--passengers 300]
//   dotnet run -c Release --project bench/Contrail.Load -- flightpulse-irops [--flights 1000] [--passengers 150] [--cancel 200]
//   dotnet run -c Release --project bench/Contrail.Load -- workflows [--seconds 10] [--async] [--synchronous FULL|NORMAL] [--definition FILE]
//   dotnet run -c Release --project bench/Contrail.Load -- gateway-ingest [--rate 5000] [--seconds 30] [--warmup 5] [--limit 5] [--connections 256]
//   dotnet run -c Release --project bench/Contrail.Load -- gateway-delivery [--events 20000] [--limit 500] [--concurrency 50] [--outage-after 15] [--outage 60]
var command = args.FirstOrDefault() ?? "help";
int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1]) : fallback;
}

string? Text(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

return command switch
{
    "ingest" when args.Contains("--wrk") => await IngestLoad.RunWithWrkAsync(Option("--batch", 1), Option("--connections", 64), TimeSpan.FromSeconds(Option("--seconds", 20)), TimeSpan.FromSeconds(Option("--warmup", 5)), !args.Contains("--unrouted")),
    "ingest" => await IngestLoad.RunAsync(Option("--batch", 1), Option("--connections", 64), TimeSpan.FromSeconds(Option("--seconds", 20)), TimeSpan.FromSeconds(Option("--warmup", 5)), !args.Contains("--unrouted")),
    "flightpulse-cancel" => await FlightPulseLoad.RunAsync(1, Option("--passengers", 300), 1, TimeSpan.FromSeconds(2)),
    "flightpulse-irops" => await FlightPulseLoad.RunAsync(Option("--flights", 1000), Option("--passengers", 150), Option("--cancel", 200), TimeSpan.FromSeconds(30)),
    "queue" => await QueueLoad.RunAsync(Option("--messages", 400_000), Option("--concurrency", 32), Option("--send-batch", 500)),
    "workflows" => await WorkflowLoad.RunAsync(TimeSpan.FromSeconds(Option("--seconds", 10)), args.Contains("--async"),
        Text("--synchronous") ?? "FULL", Text("--definition")),
    "gateway-ingest" => await GatewayLoad.IngestAsync(Option("--rate", 5_000), TimeSpan.FromSeconds(Option("--seconds", 30)), TimeSpan.FromSeconds(Option("--warmup", 5)),
        Option("--limit", 5), Option("--connections", 256)),
    "gateway-delivery" => await GatewayLoad.DeliveryAsync(Option("--events", 20_000), Option("--limit", 500), Option("--concurrency", 50),
        TimeSpan.FromSeconds(Option("--outage-after", 15)), TimeSpan.FromSeconds(Option("--outage", 60))),
    _ => Usage(),
};

static int Usage()
{
    Console.WriteLine("contrail-load ingest [--batch N] [--connections N] [--seconds N] [--warmup N] | queue [--messages N] [--concurrency N] [--send-batch N] | workflows [--seconds N] [--async] [--synchronous FULL|NORMAL] [--definition FILE]");
    Console.WriteLine("contrail-load ingest [--batch N] [--connections N] [--seconds N] [--warmup N] | queue [--messages N] [--concurrency N] [--send-batch N]");
    Console.WriteLine("              gateway-ingest [--rate N] [--seconds N] [--warmup N] [--limit N] [--connections N]");
    Console.WriteLine("              gateway-delivery [--events N] [--limit N] [--concurrency N] [--outage-after S] [--outage S]");
    Console.WriteLine("              flightpulse-cancel [--passengers N] | flightpulse-irops [--flights N] [--passengers N] [--cancel N]");
    return 2;
}
