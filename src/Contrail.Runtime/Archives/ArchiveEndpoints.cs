using System.Text.Json;
using System.Text.Json.Nodes;
using Contrail.Auth;
using Contrail.Bus;
using Contrail.Events;
using Contrail.Http;
using Contrail.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Contrail.Archives;

/// <summary>The archive and replay API.</summary>
public static class ArchiveEndpoints
{
    public static IEndpointRouteBuilder MapArchives(this IEndpointRouteBuilder app)
    {
        var archives = app.MapGroup("/archives").WithTags("Archives");
        archives.MapGet("", ListArchives).RequireAuthorization(Scopes.Read).WithSummary("Archives, by name");
        archives.MapGet("/{name}", GetArchive).RequireAuthorization(Scopes.Read).WithSummary("An archive with its event count and size");
        archives.MapPut("/{name}", PutArchive).RequireAuthorization(Scopes.Admin).WithSummary("Create or update an archive; it keeps matching events from now on");
        archives.MapDelete("/{name}", DeleteArchive).RequireAuthorization(Scopes.Admin).WithSummary("Delete an archive and its files");

        var replays = app.MapGroup("/replays").WithTags("Archives");
        replays.MapGet("", ListReplays).RequireAuthorization(Scopes.Read).WithSummary("Replays, by name");
        replays.MapPost("", StartReplay).RequireAuthorization(Scopes.Admin).WithSummary("Replay archived events of a time range to the bus or to chosen rules");
        replays.MapGet("/{name}", GetReplay).RequireAuthorization(Scopes.Read).WithSummary("A replay's state, events replayed and last event time");
        replays.MapPost("/{name}/cancel", CancelReplay).RequireAuthorization(Scopes.Admin).WithSummary("Stop a running replay");
        return app;
    }

    public sealed record ArchiveRequest
    {
        public string? Description { get; init; }
        public JsonElement EventPattern { get; init; }
        public int RetentionDays { get; init; }
        public string? PathTemplate { get; init; }
    }

    public sealed record ArchiveView(string Name, string? Description, JsonObject? EventPattern, int RetentionDays, string PathTemplate, string Origin,
        long EventCount, long SizeBytes, DateTimeOffset? OldestEventTime, DateTimeOffset? NewestEventTime, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

    private static ArchiveView View(StoreReader reader, StoredArchive stored)
    {
        var stats = reader.ArchiveStats(stored.Name);
        var archive = stored.Archive;
        return new ArchiveView(stored.Name, archive.Description, archive.EventPattern, archive.RetentionDays, archive.PathTemplate, stored.Origin,
            stats.EventCount, stats.SizeBytes, Time(stats.OldestEventTime), Time(stats.NewestEventTime),
            DateTimeOffset.FromUnixTimeMilliseconds(stored.CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(stored.UpdatedAt));
    }

    private static DateTimeOffset? Time(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;

    private static IResult ListArchives(HttpRequest request, Store store)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        return store.Read(r => TypedResults.Ok(Page<ArchiveView>.From(r.ArchiveList(page.Position ?? "", page.Limit + 1), page.Limit, a => View(r, a), a => a.Name)));
    }

    private static IResult GetArchive(string name, Store store) =>
        store.Read(r => r.ArchiveGet(name) is { } archive ? View(r, archive) : null) is { } view ? TypedResults.Ok(view) : Problems.NotFound($"No archive named '{name}'");

    private static async Task<IResult> PutArchive(string name, HttpRequest request, Store store, ArchiveRegistry archives, CancellationToken ct)
    {
        if (!Archive.IsValidName(name)) return Problems.Validation("/name", Archive.NameRule);
        var (body, problem) = await JsonBody.ReadAsync<ArchiveRequest>(request, ct);
        if (body is null) return problem!;
        var errors = new List<FieldError>();
        JsonObject? pattern = null;
        if (body.EventPattern.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
            pattern = RuleValidation.PatternObject(RuleValidation.PatternText(body.EventPattern, "/event_pattern", errors), "/event_pattern", errors);
        var archive = new Archive
        {
            Description = body.Description, EventPattern = pattern, RetentionDays = body.RetentionDays, PathTemplate = body.PathTemplate ?? Archive.DefaultPathTemplate,
        };
        errors.AddRange(archive.Problems());
        if (errors.Count > 0) return Problems.Validation(errors, "The archive is not valid");
        var outcome = await store.WriteAsync(w =>
        {
            var existing = w.ArchiveGet(name);
            if (existing is not null && existing.Origin != Origins.Api) return existing.Origin;
            w.ArchiveUpsert(name, archive, Origins.Api);
            return existing is null ? "created" : "updated";
        }, ct: ct);
        if (outcome is not ("created" or "updated")) return RuleEndpoints.Declared(name, outcome);
        archives.Reload();
        var view = store.Read(r => View(r, r.ArchiveGet(name)!));
        return outcome == "created" ? TypedResults.Created($"/archives/{name}", view) : TypedResults.Ok(view);
    }

    private static async Task<IResult> DeleteArchive(string name, Store store, ArchiveRegistry archives, ArchiveWriter writer, CancellationToken ct)
    {
        var outcome = await store.WriteAsync(w =>
        {
            var existing = w.ArchiveGet(name);
            if (existing is null) return "missing";
            if (existing.Origin != Origins.Api) return existing.Origin;
            w.ArchiveDelete(name);
            return "deleted";
        }, ct: ct);
        if (outcome == "missing") return Problems.NotFound($"No archive named '{name}'");
        if (outcome != "deleted") return RuleEndpoints.Declared(name, outcome);
        archives.Reload();
        writer.RemoveFolder(name);
        return TypedResults.NoContent();
    }

    public sealed record ReplayRequest
    {
        public string? Name { get; init; }
        public string? Archive { get; init; }
        public string? From { get; init; }
        public string? To { get; init; }
        public JsonElement EventPattern { get; init; }
        public List<string>? Rules { get; init; }
        public string? Description { get; init; }
    }

    public sealed record ReplayView(string Name, string Archive, DateTimeOffset From, DateTimeOffset To, JsonObject? EventPattern, IReadOnlyList<string>? Rules,
        string? Description, string State, long EventsReplayed, DateTimeOffset? LastEventTime, string? Reason,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? EndedAt)
    {
        public static ReplayView Of(StoredReplay s) => new(s.Name, s.Replay.Archive, s.Replay.From, s.Replay.To, s.Replay.EventPattern, s.Replay.Rules,
            s.Replay.Description, s.State, s.EventsReplayed, Time(s.LastEventTime), s.Reason,
            DateTimeOffset.FromUnixTimeMilliseconds(s.CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(s.UpdatedAt), Time(s.EndedAt));
    }

    private static IResult ListReplays(HttpRequest request, Store store)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        var rows = store.Read(r => r.ReplayList(page.Position ?? "", page.Limit + 1));
        return TypedResults.Ok(Page<ReplayView>.From(rows, page.Limit, ReplayView.Of, r => r.Name));
    }

    private static IResult GetReplay(string name, Store store) =>
        store.Read(r => r.ReplayGet(name)) is { } replay ? TypedResults.Ok(ReplayView.Of(replay)) : Problems.NotFound($"No replay named '{name}'");

    private static async Task<IResult> StartReplay(HttpRequest request, Store store, EventBus bus, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<ReplayRequest>(request, ct);
        if (body is null) return problem!;
        var errors = new List<FieldError>();
        if (!Replay.IsValidName(body.Name)) errors.Add(new("/name", Replay.NameRule));
        if (string.IsNullOrEmpty(body.Archive)) errors.Add(new("/archive", "required"));
        else if (store.Read(r => r.ArchiveGet(body.Archive)) is null) errors.Add(new("/archive", $"no archive named '{body.Archive}'"));
        var from = ReplayTime(body.From, "/from", errors);
        var to = ReplayTime(body.To, "/to", errors);
        if (from is { } f && to is { } t && f >= t) errors.Add(new("/to", "must be after from"));
        JsonObject? pattern = null;
        if (body.EventPattern.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
            pattern = RuleValidation.PatternObject(RuleValidation.PatternText(body.EventPattern, "/event_pattern", errors), "/event_pattern", errors);
        if (body.Rules is { } rules)
        {
            if (rules.Count == 0) errors.Add(new("/rules", "name at least one rule, or leave rules out to replay to the whole bus"));
            for (var i = 0; i < rules.Count; i++)
                if (!bus.Rules.Rules.ContainsKey(rules[i] ?? "")) errors.Add(new($"/rules/{i}", $"no rule named '{rules[i]}'"));
        }
        if (body.Description is { Length: > 512 }) errors.Add(new("/description", "must be at most 512 characters"));
        if (errors.Count > 0) return Problems.Validation(errors, "The replay is not valid");

        var replay = new Replay { Archive = body.Archive!, From = from!.Value, To = to!.Value, EventPattern = pattern, Rules = body.Rules, Description = body.Description };
        if (!await store.WriteAsync(w => w.ReplayInsert(body.Name!, replay), ct: ct)) return Problems.Conflict($"A replay named '{body.Name}' already exists");
        store.Signals.Notify(ReplayRunner.Signal);
        return TypedResults.Created($"/replays/{body.Name}", ReplayView.Of(store.Read(r => r.ReplayGet(body.Name!))!));
    }

    private static DateTimeOffset? ReplayTime(string? text, string pointer, List<FieldError> errors)
    {
        if (text is null) errors.Add(new(pointer, "required: an ISO 8601 time such as 2025-01-15T08:00:00Z"));
        else if (EventTime.TryParse(text, out var time)) return time;
        else errors.Add(new(pointer, "must be an ISO 8601 time such as 2025-01-15T08:00:00Z"));
        return null;
    }

    private static async Task<IResult> CancelReplay(string name, Store store, CancellationToken ct)
    {
        if (await store.WriteAsync(w => w.ReplayEnd(name, ReplayStates.Cancelled, "cancelled on request"), ct: ct))
            return TypedResults.Ok(ReplayView.Of(store.Read(r => r.ReplayGet(name))!));
        return store.Read(r => r.ReplayGet(name)) is { } replay
            ? Problems.Conflict($"Replay '{name}' is {replay.State}; only a RUNNING replay can be cancelled")
            : Problems.NotFound($"No replay named '{name}'");
    }
}
