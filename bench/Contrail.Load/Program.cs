using Contrail.Load;

// Usage:
//   dotnet run -c Release --project bench/Contrail.Load -- ingest [--batch 1|100] [--connections 64] [--seconds 20] [--unrouted]
//   dotnet run -c Release --project bench/Contrail.Load -- queue [--messages 400000] [--concurrency 32]
//   dotnet run -c Release --project bench/Contrail.Load -- workflows [--seconds 10] [--async] [--synchronous FULL|NORMAL] [--definition FILE]
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
    "ingest" => await IngestLoad.RunAsync(Option("--batch", 1), Option("--connections", 64), TimeSpan.FromSeconds(Option("--seconds", 20)), TimeSpan.FromSeconds(Option("--warmup", 5)), !args.Contains("--unrouted")),
    "queue" => await QueueLoad.RunAsync(Option("--messages", 400_000), Option("--concurrency", 32), Option("--send-batch", 500)),
    "workflows" => await WorkflowLoad.RunAsync(TimeSpan.FromSeconds(Option("--seconds", 10)), args.Contains("--async"),
        Text("--synchronous") ?? "FULL", Text("--definition")),
    _ => Usage(),
};

static int Usage()
{
    Console.WriteLine("contrail-load ingest [--batch N] [--connections N] [--seconds N] [--warmup N] | queue [--messages N] [--concurrency N] [--send-batch N] | workflows [--seconds N] [--async] [--synchronous FULL|NORMAL] [--definition FILE]");
    return 2;
}
