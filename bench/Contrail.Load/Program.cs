using Contrail.Load;

// Usage:
//   dotnet run -c Release --project bench/Contrail.Load -- ingest [--batch 1|100] [--connections 64] [--seconds 20] [--unrouted] [--wrk]
//   dotnet run -c Release --project bench/Contrail.Load -- queue [--messages 400000] [--concurrency 32]
//   dotnet run -c Release --project bench/Contrail.Load -- flightpulse-cancel [--passengers 300]
//   dotnet run -c Release --project bench/Contrail.Load -- flightpulse-irops [--flights 1000] [--passengers 150] [--cancel 200]
var command = args.FirstOrDefault() ?? "help";
int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1]) : fallback;
}

return command switch
{
    "ingest" when args.Contains("--wrk") => await IngestLoad.RunWithWrkAsync(Option("--batch", 1), Option("--connections", 64), TimeSpan.FromSeconds(Option("--seconds", 20)), TimeSpan.FromSeconds(Option("--warmup", 5)), !args.Contains("--unrouted")),
    "ingest" => await IngestLoad.RunAsync(Option("--batch", 1), Option("--connections", 64), TimeSpan.FromSeconds(Option("--seconds", 20)), TimeSpan.FromSeconds(Option("--warmup", 5)), !args.Contains("--unrouted")),
    "flightpulse-cancel" => await FlightPulseLoad.RunAsync(1, Option("--passengers", 300), 1, TimeSpan.FromSeconds(2)),
    "flightpulse-irops" => await FlightPulseLoad.RunAsync(Option("--flights", 1000), Option("--passengers", 150), Option("--cancel", 200), TimeSpan.FromSeconds(30)),
    "queue" => await QueueLoad.RunAsync(Option("--messages", 400_000), Option("--concurrency", 32), Option("--send-batch", 500)),
    _ => Usage(),
};

static int Usage()
{
    Console.WriteLine("contrail-load ingest [--batch N] [--connections N] [--seconds N] [--warmup N] | queue [--messages N] [--concurrency N] [--send-batch N] | flightpulse-cancel [--passengers N] | flightpulse-irops [--flights N] [--passengers N] [--cancel N]");
    return 2;
}
