using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Contrail.Events;
using Contrail.Storage;

namespace Contrail.Applications.FlightPulse;

/// <summary>
/// Loads reference data files straight into the store: JSON arrays (streamed element by element, so a file of
/// any size needs little memory) or CSV with a header row. Records are validated one by one, upserted by id in
/// transactions of <see cref="BatchSize"/> records, and refused records are reported with their position and
/// problems while the rest load. The original's single-table files load as they are: storage keys are
/// dropped and lookup items skipped.
/// </summary>
public sealed class ReferenceImport(Store store)
{
    public const int BatchSize = 2000;

    public sealed record RecordError(long Record, string? Id, string Pointer, string Detail);

    public sealed class Result(string entity)
    {
        public string Entity { get; } = entity;
        public long Read { get; set; }
        public long Created { get; set; }
        public long Updated { get; set; }
        public long Unchanged { get; set; }
        public long Skipped { get; set; }
        public List<RecordError> Errors { get; } = [];
        public long Refused => Errors.Select(e => e.Record).Distinct().LongCount();
    }

    /// <summary>
    /// Imports one file. With <paramref name="onlyIfAbsent"/> (seeding) a passenger or booking that exists is
    /// left as it is; a flight's reference fields never override what events have set.
    /// </summary>
    public async Task<Result> ImportAsync(RecordSchema schema, Stream stream, bool csv, bool onlyIfAbsent, Action<long>? progress, CancellationToken ct)
    {
        var result = new Result(schema.Entity);
        var batch = new List<(long Record, JsonObject Value)>(BatchSize);
        Task<List<WriteOutcome>>? writing = null;
        await foreach (var (record, item) in (csv ? ReadCsv(stream, schema, ct) : ReadJson(stream, ct)).WithCancellation(ct).ConfigureAwait(false))
        {
            result.Read++;
            var errors = new List<FieldError>();
            if (item is not JsonObject obj)
            {
                result.Errors.Add(new RecordError(record, null, "", $"each {schema.Entity} must be a JSON object"));
                continue;
            }
            if (!ReferenceData.StripStorageKeys(obj))
            {
                result.Skipped++;
                continue;
            }
            if (schema.Validate(obj, errors) is { } valid) batch.Add((record, valid));
            else result.Errors.AddRange(errors.Select(e => new RecordError(record, (string?)obj[schema.IdField], e.Pointer, e.Detail)));
            if (batch.Count == BatchSize)
            {
                // One batch is written while the next is read.
                if (writing is not null) Count(result, await writing.ConfigureAwait(false));
                writing = WriteAsync(schema, batch, onlyIfAbsent, ct);
                batch = new List<(long, JsonObject)>(BatchSize);
            }
            if (result.Read % 1000 == 0) progress?.Invoke(stream.CanSeek ? stream.Position : result.Read);
        }
        if (writing is not null) Count(result, await writing.ConfigureAwait(false));
        if (batch.Count > 0) Count(result, await WriteAsync(schema, batch, onlyIfAbsent, ct).ConfigureAwait(false));
        progress?.Invoke(stream.CanSeek ? stream.Position : result.Read);
        return result;
    }

    private sealed record WriteOutcome(long Record, string? Id, ReferenceData.Outcome Outcome, List<FieldError> Errors);

    private Task<List<WriteOutcome>> WriteAsync(RecordSchema schema, List<(long Record, JsonObject Value)> batch, bool onlyIfAbsent, CancellationToken ct) =>
        store.WriteAsync(w => batch.Select(item =>
        {
            var errors = new List<FieldError>();
            var outcome = schema == ReferenceData.Flight ? ReferenceData.WriteFlight(w, item.Value)
                : schema == ReferenceData.Passenger ? ReferenceData.WritePassenger(w, item.Value, onlyIfAbsent)
                : ReferenceData.WriteBooking(w, item.Value, errors, onlyIfAbsent);
            return new WriteOutcome(item.Record, (string?)item.Value[schema.IdField], outcome, errors);
        }).ToList(), ct: ct);

    /// <summary>Adds a written batch's outcomes to the result (on the reading side, so nothing races).</summary>
    private static void Count(Result result, List<WriteOutcome> outcomes)
    {
        foreach (var (record, id, outcome, errors) in outcomes)
        {
            switch (outcome)
            {
                case ReferenceData.Outcome.Created: result.Created++; break;
                case ReferenceData.Outcome.Updated: result.Updated++; break;
                case ReferenceData.Outcome.Unchanged: result.Unchanged++; break;
                default: result.Errors.AddRange(errors.Select(e => new RecordError(record, id, e.Pointer, e.Detail))); break;
            }
        }
    }

    /// <summary>The sample data (5 flights, 10 passengers, 15 bookings), embedded; existing records are left alone.</summary>
    public async Task<IReadOnlyList<Result>> SeedAsync(CancellationToken ct = default)
    {
        var results = new List<Result>();
        foreach (var (schema, name) in new[] { (ReferenceData.Flight, "flights"), (ReferenceData.Passenger, "passengers"), (ReferenceData.Booking, "bookings") })
        {
            await using var stream = typeof(ReferenceImport).Assembly.GetManifestResourceStream($"SeedData/{name}.json")
                ?? throw new InvalidOperationException($"the sample {name} are not embedded");
            results.Add(await ImportAsync(schema, stream, csv: false, onlyIfAbsent: true, null, ct).ConfigureAwait(false));
        }
        return results;
    }

    private static async IAsyncEnumerable<(long Record, JsonNode? Item)> ReadJson(Stream stream, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        long record = 0;
        await foreach (var item in JsonSerializer.DeserializeAsyncEnumerable<JsonNode>(stream, cancellationToken: ct).ConfigureAwait(false))
            yield return (++record, item);
    }

    private static async IAsyncEnumerable<(long Record, JsonNode? Item)> ReadCsv(Stream stream, RecordSchema schema, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        var headers = await ReadCsvRow(reader, ct).ConfigureAwait(false);
        if (headers is null) yield break;
        long record = 0;
        while (await ReadCsvRow(reader, ct).ConfigureAwait(false) is { } cells)
        {
            if (cells.Count == 1 && cells[0].Length == 0) continue;
            yield return (++record, schema.FromCsv(headers, cells));
        }
    }

    /// <summary>One RFC 4180 row: quoted cells may hold commas, doubled quotes and line breaks.</summary>
    private static async Task<List<string>?> ReadCsvRow(StreamReader reader, CancellationToken ct)
    {
        var line = await reader.ReadLineAsync(ct).ConfigureAwait(false);
        if (line is null) return null;
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        var i = 0;
        while (true)
        {
            if (i == line.Length)
            {
                if (!quoted) break;
                // A quoted cell continues on the next line.
                line = await reader.ReadLineAsync(ct).ConfigureAwait(false);
                if (line is null) break;
                cell.Append('\n');
                i = 0;
                continue;
            }
            var c = line[i++];
            if (quoted)
            {
                if (c != '"') cell.Append(c);
                else if (i < line.Length && line[i] == '"') { cell.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"' && cell.Length == 0) quoted = true;
            else if (c == ',') { cells.Add(cell.ToString().Trim()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString().Trim());
        return cells;
    }
}
