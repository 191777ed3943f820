using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Contrail.Storage;
using Spectre.Console;

namespace Contrail.Applications.FlightPulse;

/// <summary>
/// <c>contrail import</c> and <c>contrail seed</c> (straight into the store of a data directory, no server
/// needed, refused while a server holds it), <c>contrail simulate</c> and <c>contrail scenario</c> (against a
/// running server over HTTP).
/// </summary>
public static class FlightPulseCommands
{
    /// <param name="openStore">Opens the store the settings and the parse result name (the data directory is locked while it is open).</param>
    /// <param name="storeOptions">The options that choose the store (--data-dir, --storage, --connection).</param>
    public static IEnumerable<Command> Create(Option[] storeOptions, Func<ParseResult, Store> openStore)
    {
        var flights = new Option<FileInfo?>("--flights") { Description = "Flights: a JSON array or CSV file" };
        var passengers = new Option<FileInfo?>("--passengers") { Description = "Passengers: a JSON array or CSV file (notification_preferences.email|sms|push columns; special_requests separated by ';')" };
        var bookings = new Option<FileInfo?>("--bookings") { Description = "Bookings: a JSON array or CSV file" };
        var import = new Command("import", "Load reference data files into the store (upserts by id; refused records are listed)") { flights, passengers, bookings };
        foreach (var option in storeOptions) import.Options.Add(option);
        import.SetAction((parse, ct) => WithStore(parse, openStore, store => ImportAsync(store,
            [(ReferenceData.Flight, parse.GetValue(flights)), (ReferenceData.Passenger, parse.GetValue(passengers)), (ReferenceData.Booking, parse.GetValue(bookings))], ct)));
        yield return import;

        var seed = new Command("seed", "Write the sample data (5 flights, 10 passengers, 15 bookings) into the store; records that exist are left as they are");
        foreach (var option in storeOptions) seed.Options.Add(option);
        seed.SetAction((parse, ct) => WithStore(parse, openStore, async store =>
        {
            foreach (var result in await new ReferenceImport(store).SeedAsync(ct))
                Console.WriteLine($"{result.Entity}s: {result.Created} created, {result.Unchanged + result.Updated} already there");
            return 0;
        }));
        yield return seed;

        var url = new Option<string>("--url") { Description = "The server, e.g. http://127.0.0.1:8080", Required = true };
        var apiKey = new Option<string>("--api-key") { Description = "An API key with the ingest and read scopes", Required = true };
        var eventType = new Option<string>("--event-type") { Description = "FLIGHT_DELAY, FLIGHT_CANCELLED or GATE_CHANGE", Required = true };
        eventType.AcceptOnlyFromAmong(OperationalEventFormat.EventTypes);
        var flightId = new Option<string>("--flight-id") { Required = true };
        var delay = new Option<int>("--delay-minutes") { DefaultValueFactory = _ => 30 };
        var reason = new Option<string>("--reason") { DefaultValueFactory = _ => "WEATHER" };
        var oldGate = new Option<string?>("--old-gate");
        var newGate = new Option<string?>("--new-gate");
        var terminal = new Option<bool>("--terminal-change");
        var simulate = new Command("simulate", "Send one operational event, as the original's producer did") { url, apiKey, eventType, flightId, delay, reason, oldGate, newGate, terminal };
        simulate.SetAction(async (parse, ct) =>
        {
            using var http = Client(parse.GetValue(url)!, parse.GetValue(apiKey)!);
            var e = Scenarios.Event(parse.GetValue(eventType)!, parse.GetValue(flightId)!, DateTimeOffset.UtcNow, parse.GetValue(delay), parse.GetValue(reason)!,
                oldGate: parse.GetValue(oldGate), newGate: parse.GetValue(newGate), terminalChange: parse.GetValue(terminal));
            Console.WriteLine(e.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            var (status, body) = await Scenarios.SendAsync(http, e, ct);
            Console.WriteLine($"{(int)status} {body}");
            return status == System.Net.HttpStatusCode.Accepted ? 0 : 1;
        });
        yield return simulate;

        var number = new Argument<int>("number") { Description = "1 minor delay, 2 major delay, 3 cancellation, 4 terminal gate change, 5 rapid sequence" };
        number.AcceptOnlyFromAmong("1", "2", "3", "4", "5");
        var verify = new Option<bool>("--verify") { Description = "Check the expected outcome with the sample data; PASS or FAIL per expectation" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for each expectation", DefaultValueFactory = _ => 60 };
        var scenario = new Command("scenario", "Send one of the five scenarios and optionally verify its outcome") { number, url, apiKey, verify, timeout };
        scenario.SetAction(async (parse, ct) =>
        {
            using var http = Client(parse.GetValue(url)!, parse.GetValue(apiKey)!);
            return await Scenarios.RunAsync(http, parse.GetValue(number), parse.GetValue(verify), TimeSpan.FromSeconds(parse.GetValue(timeout)), AnsiConsole.Console, ct);
        });
        yield return scenario;
    }

    private static HttpClient Client(string url, string apiKey)
    {
        var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return http;
    }

    private static async Task<int> WithStore(ParseResult parse, Func<ParseResult, Store> openStore, Func<Store, Task<int>> work)
    {
        Store store;
        try
        {
            store = openStore(parse);
        }
        catch (Hosting.DataDirectoryInUseException ex)
        {
            await Console.Error.WriteLineAsync($"contrail: {ex.Message}. Stop the server first (or use the PUT routes while it runs).");
            return 2;
        }
        await using (store) return await work(store);
    }

    private static async Task<int> ImportAsync(Store store, (RecordSchema Schema, FileInfo? File)[] files, CancellationToken ct)
    {
        var chosen = files.Where(f => f.File is not null).ToList();
        if (chosen.Count == 0)
        {
            await Console.Error.WriteLineAsync("contrail import: name at least one of --flights, --passengers, --bookings");
            return 2;
        }
        foreach (var (_, file) in chosen)
            if (!file!.Exists)
            {
                await Console.Error.WriteLineAsync($"contrail import: {file.FullName} does not exist");
                return 2;
            }

        var importer = new ReferenceImport(store);
        var results = new List<(FileInfo File, ReferenceImport.Result? Result, string? Failure, TimeSpan Elapsed)>();
        await AnsiConsole.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                // Flights, then passengers, then bookings: a booking refers to both.
                foreach (var (schema, file) in chosen)
                {
                    var task = progress.AddTask($"{schema.Entity}s from {file!.Name}", maxValue: Math.Max(1, file.Length));
                    var watch = Stopwatch.StartNew();
                    try
                    {
                        await using var stream = file.OpenRead();
                        var result = await importer.ImportAsync(schema, stream, file.Extension.Equals(".csv", StringComparison.OrdinalIgnoreCase),
                            onlyIfAbsent: false, position => task.Value = position, ct);
                        task.Value = task.MaxValue;
                        results.Add((file, result, null, watch.Elapsed));
                    }
                    catch (JsonException ex)
                    {
                        results.Add((file, null, "not a JSON array of records: " + ex.Message, watch.Elapsed));
                        task.StopTask();
                    }
                }
            });

        var refused = 0L;
        foreach (var (file, result, failure, elapsed) in results)
        {
            if (result is null)
            {
                AnsiConsole.MarkupLine($"[red]{Markup.Escape(file.Name)}: {Markup.Escape(failure!)}[/]");
                refused++;
                continue;
            }
            AnsiConsole.MarkupLine($"{Markup.Escape(file.Name)}: {result.Read:N0} read, {result.Created:N0} created, {result.Updated:N0} updated, {result.Unchanged:N0} unchanged, "
                + $"{result.Skipped:N0} lookup items skipped, {(result.Refused > 0 ? "[red]" : "")}{result.Refused:N0} refused{(result.Refused > 0 ? "[/]" : "")} in {elapsed.TotalSeconds:F1}s");
            foreach (var error in result.Errors.Take(50))
                AnsiConsole.MarkupLine($"  record {error.Record}{(error.Id is null ? "" : $" ({Markup.Escape(error.Id)})")}: {Markup.Escape(error.Pointer)}: {Markup.Escape(error.Detail)}");
            if (result.Errors.Count > 50) AnsiConsole.MarkupLine($"  ... and {result.Errors.Count - 50} more problems");
            refused += result.Refused;
        }
        return refused == 0 ? 0 : 1;
    }
}
