using System.CommandLine;
using Contrail.Applications.Flights;
using Contrail.Auth;
using Contrail.Hosting;
using Contrail.Server;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Contrail.Cli;

/// <summary>The command line: one executable for the server and the tools.</summary>
public static class ContrailCli
{
    private static readonly Option<string?> UrlsOption = new("--urls") { Description = $"Address to listen on (default {ContrailServer.DefaultUrls}); port 0 picks a free port" };
    private static readonly Option<string?> DataDirOption = new("--data-dir") { Description = "Folder for the database and files (default ~/.local/share/contrail)" };

    /// <param name="args">The command line.</param>
    /// <param name="configureServices">Extra registrations for the server (functions, state machines): how a host embeds Contrail.</param>
    public static Task<int> RunAsync(string[] args, Action<IServiceCollection>? configureServices = null) =>
        RunAsync(args, new InvocationConfiguration(), configureServices);

    /// <summary>With the output and error writers of <paramref name="invocation"/> (tests read what a command prints).</summary>
    public static Task<int> RunAsync(string[] args, InvocationConfiguration invocation, Action<IServiceCollection>? configureServices = null)
    {
        var root = new RootCommand("Contrail: a self-hosted event-driven platform for flight operations");

        var serve = new Command("serve", "Run the Contrail server") { UrlsOption, DataDirOption };
        serve.SetAction((parse, ct) => ServeAsync(Flags(parse), demo: false, configureServices, ct));
        root.Subcommands.Add(serve);

        var demo = new Command("demo", "Run the server on the embedded default with demo data, and print where to look") { UrlsOption, DataDirOption };
        demo.SetAction((parse, ct) =>
        {
            var flags = Flags(parse);
            flags.TryAdd("DataDir", Path.Combine(ContrailOptions.DefaultDataDir(), "demo"));
            return ServeAsync(flags, demo: true, configureServices, ct);
        });
        root.Subcommands.Add(demo);
        root.Subcommands.Add(WorkflowCommands.Create());

        return root.Parse(args).InvokeAsync(invocation);
    }

    private static Dictionary<string, string?> Flags(ParseResult parse)
    {
        var flags = new Dictionary<string, string?>();
        if (parse.GetValue(UrlsOption) is { } urls) flags["Urls"] = urls;
        if (parse.GetValue(DataDirOption) is { } dataDir) flags["DataDir"] = Path.GetFullPath(dataDir);
        return flags;
    }

    private static async Task<int> ServeAsync(Dictionary<string, string?> flags, bool demo, Action<IServiceCollection>? configureServices, CancellationToken ct)
    {
        await using var app = ContrailServer.Build(flags, configureServices);
        try
        {
            await app.StartAsync(ct);
        }
        catch (DataDirectoryInUseException ex)
        {
            await Console.Error.WriteLineAsync($"contrail: {ex.Message}. Stop it first, or use another --data-dir.");
            return 2;
        }

        var options = app.Services.GetRequiredService<IOptions<ContrailOptions>>().Value;
        var keys = app.Services.GetRequiredService<ApiKeys>();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        string? key = null;
        if (demo)
        {
            await FlightSeed.ApplyAsync(app.Services.GetRequiredService<Storage.Store>());
            if (string.IsNullOrEmpty(options.ApiKey)) key = (await keys.CreateAsync("demo", Scopes.All, replaceSameName: true)).Secret;
        }
        else if (keys.ActiveCount == 0)
        {
            key = (await keys.CreateAsync(ApiKeys.BootstrapName, Scopes.All)).Secret;
        }

        Console.WriteLine($"Contrail listening on {url}");
        Console.WriteLine($"  data:    {options.DataDir} ({options.Storage.Provider}, synchronous={options.Storage.Synchronous})");
        if (key is not null)
        {
            Console.WriteLine($"  API key: {key}   (shown once; send it as X-Api-Key)");
            Console.WriteLine($"  try:     curl -H 'X-Api-Key: {key}' {url}/flights");
        }
        else if (!string.IsNullOrEmpty(options.ApiKey))
        {
            Console.WriteLine("  API key: the one in CONTRAIL_API_KEY");
        }
        await app.WaitForShutdownAsync(ct);
        return 0;
    }
}
