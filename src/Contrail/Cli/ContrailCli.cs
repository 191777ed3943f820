using System.CommandLine;

namespace Contrail.Cli;

/// <summary>The command line: one executable for the server and the tools.</summary>
public static class ContrailCli
{
    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Contrail: a self-hosted event-driven platform for flight operations");
        var serve = new Command("serve", "Run the Contrail server");
        serve.SetAction(async (_, ct) =>
        {
            var app = WebApplication.CreateBuilder().Build();
            app.MapGet("/health/live", () => Results.Ok(new { status = "live" }));
            await app.RunAsync(ct);
            return 0;
        });
        root.Subcommands.Add(serve);
        return root.Parse(args).InvokeAsync();
    }
}
