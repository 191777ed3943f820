using System.CommandLine;
using Contrail.Applications.FlightPulse;
using Contrail.Auth;
using Contrail.Bus;
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
    private static readonly Option<string?> StorageOption = new("--storage") { Description = "Storage provider: sqlite (embedded, default) or postgres" };
    private static readonly Option<string?> ConnectionOption = new("--connection") { Description = "PostgreSQL connection string (with --storage postgres)" };

    /// <param name="args">The command line.</param>
    /// <param name="configureServices">Extra registrations for the server (functions, state machines): how a host embeds Contrail.</param>
    public static Task<int> RunAsync(string[] args, Action<IServiceCollection>? configureServices = null) =>
        RunAsync(args, new InvocationConfiguration(), configureServices);

    /// <summary>With the output and error writers of <paramref name="invocation"/> (tests read what a command prints).</summary>
    public static Task<int> RunAsync(string[] args, InvocationConfiguration invocation, Action<IServiceCollection>? configureServices = null)
    {
        var root = new RootCommand("Contrail: a self-hosted event-driven platform for flight operations");

        var serve = new Command("serve", "Run the Contrail server") { UrlsOption, DataDirOption, StorageOption, ConnectionOption };
        serve.SetAction((parse, ct) => ServeAsync(Flags(parse), demo: false, configureServices, ct));
        root.Subcommands.Add(serve);

        var demo = new Command("demo", "Run the server on the embedded default with demo data, and print where to look") { UrlsOption, DataDirOption, StorageOption, ConnectionOption };
        demo.SetAction((parse, ct) =>
        {
            var flags = Flags(parse);
            flags.TryAdd("DataDir", Path.Combine(ContrailOptions.DefaultDataDir(), "demo"));
            return ServeAsync(flags, demo: true, configureServices, ct);
        });
        root.Subcommands.Add(demo);
        root.Subcommands.Add(WorkflowCommands.Create());
        root.Subcommands.Add(KeysCommand.Build());

        root.Subcommands.Add(RulesCommand());
        foreach (var command in FlightPulseCommands.Create([DataDirOption, StorageOption, ConnectionOption], OpenStore)) root.Subcommands.Add(command);

        return root.Parse(args).InvokeAsync(invocation);
    }

    private static Command RulesCommand()
    {
        var pattern = new Option<string>("--pattern") { Description = "The event pattern: a JSON file, or the JSON itself", Required = true };
        var @event = new Option<string>("--event") { Description = "The event: a JSON file, or the JSON itself", Required = true };
        var test = new Command("test", "Whether an event pattern matches an event, offline, as POST /rules/test-pattern answers. "
            + "Prints true or false and exits 0 on a match, 1 on none, 2 when the pattern or the event is not valid") { pattern, @event };
        test.SetAction(parse => TestPattern(parse.GetValue(pattern)!, parse.GetValue(@event)!));
        return new Command("rules", "Work with rules") { test };
    }

    private static int TestPattern(string patternArgument, string eventArgument)
    {
        var patternJson = JsonArgument(patternArgument, "--pattern");
        var eventJson = JsonArgument(eventArgument, "--event");
        if (patternJson is null || eventJson is null) return 2;
        var result = PatternTester.Test(patternJson, eventJson, out var errors);
        if (result is null)
        {
            foreach (var error in errors) Console.Error.WriteLine($"contrail: {error.Pointer}: {error.Detail}");
            return 2;
        }
        Console.WriteLine(result.Value ? "true" : "false");
        return result.Value ? 0 : 1;
    }

    /// <summary>An argument that is JSON itself (an object, or a string holding one) or the path of a file holding it.</summary>
    private static string? JsonArgument(string argument, string option)
    {
        var trimmed = argument.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('"')) return argument;
        if (File.Exists(argument)) return File.ReadAllText(argument);
        Console.Error.WriteLine($"contrail: {option}: '{argument}' is neither JSON nor a file that exists");
        return null;
    }

    private static Dictionary<string, string?> Flags(ParseResult parse)
    {
        var flags = new Dictionary<string, string?>();
        if (parse.GetValue(UrlsOption) is { } urls) flags["Urls"] = urls;
        if (parse.GetValue(DataDirOption) is { } dataDir) flags["DataDir"] = Path.GetFullPath(dataDir);
        if (parse.GetValue(StorageOption) is { } storage) flags["Storage:Provider"] = storage;
        if (parse.GetValue(ConnectionOption) is { } connection) flags["Storage:ConnectionString"] = connection;
        return flags;
    }

    /// <summary>
    /// The store of the data directory the settings name (appsettings.json, CONTRAIL__* variables, flags, as
    /// the server reads them), for the tools that work without a server. Throws
    /// <see cref="DataDirectoryInUseException"/> while a server holds it.
    /// </summary>
    private static Storage.Store OpenStore(ParseResult parse)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables("CONTRAIL__")
            .AddInMemoryCollection(Flags(parse))
            .Build();
        var options = configuration.Get<ContrailOptions>() ?? new ContrailOptions();
        // Not disposed: the store logs through it for as long as it is open.
        var loggers = LoggerFactory.Create(b => b.AddConsole().SetMinimumLevel(LogLevel.Warning));
        return ContrailRuntimeExtensions.OpenStore(options, TimeProvider.System, loggers.CreateLogger("Contrail.Storage"));
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
            await new ReferenceImport(app.Services.GetRequiredService<Storage.Store>()).SeedAsync(ct);
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
