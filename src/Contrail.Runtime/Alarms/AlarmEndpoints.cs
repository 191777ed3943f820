using Contrail.Auth;
using Contrail.Bus;
using Contrail.Http;
using Contrail.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Contrail.Alarms;

/// <summary>The alarms API. Alarms from configuration files are read-only here (409), like declared rules.</summary>
public static class AlarmEndpoints
{
    private const int HistoryShown = 50;

    public static IEndpointRouteBuilder MapAlarms(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/alarms").WithTags("Alarms");
        group.MapGet("", ListAlarms).RequireAuthorization(Scopes.Read).WithSummary("Alarms with their state");
        group.MapGet("/{name}", GetAlarm).RequireAuthorization(Scopes.Read).WithSummary("An alarm, its state and its latest state changes");
        group.MapPut("/{name}", PutAlarm).RequireAuthorization(Scopes.Admin).WithSummary("Create or update an alarm");
        group.MapDelete("/{name}", DeleteAlarm).RequireAuthorization(Scopes.Admin).WithSummary("Delete an alarm");
        return app;
    }

    public sealed record TransitionView(DateTimeOffset At, string OldState, string NewState, double? Value, string Reason);

    public sealed record AlarmView(string Name, string? Description, string Source, string Resource, string Metric, string Comparison,
        double Threshold, int PeriodSeconds, int EvaluationPeriods, string Origin, string State, double? StateValue, string? StateReason,
        DateTimeOffset StateChangedAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<TransitionView>? History)
    {
        public static AlarmView From(StoredAlarm s, List<AlarmTransition>? history) => new(s.Name, s.Alarm.Description, s.Alarm.Source, s.Alarm.Resource,
            s.Alarm.Metric, s.Alarm.Comparison, s.Alarm.Threshold, s.Alarm.PeriodSeconds, s.Alarm.EvaluationPeriods, s.Origin, s.State, s.StateValue,
            s.StateReason, DateTimeOffset.FromUnixTimeMilliseconds(s.StateChangedAt), DateTimeOffset.FromUnixTimeMilliseconds(s.CreatedAt),
            DateTimeOffset.FromUnixTimeMilliseconds(s.UpdatedAt),
            history?.ConvertAll(h => new TransitionView(DateTimeOffset.FromUnixTimeMilliseconds(h.At), h.OldState, h.NewState, h.Value, h.Reason)));
    }

    private static IResult ListAlarms(HttpRequest request, Store store)
    {
        if (!PageRequest.TryRead(request, out var page, out var problem)) return problem!;
        var rows = store.Read(r => r.AlarmList(page.Position ?? "", page.Limit + 1));
        return TypedResults.Ok(Page<AlarmView>.From(rows, page.Limit, a => AlarmView.From(a, null), a => a.Name));
    }

    private static IResult GetAlarm(string name, Store store) =>
        store.Read(r => r.AlarmGet(name) is { } alarm ? AlarmView.From(alarm, r.AlarmHistoryList(name, HistoryShown)) : null) is { } view
            ? TypedResults.Ok(view)
            : Problems.NotFound($"No alarm named '{name}'");

    private static async Task<IResult> PutAlarm(string name, HttpRequest request, Store store, AlarmEvaluator evaluator, CancellationToken ct)
    {
        if (!Alarm.IsValidName(name)) return Problems.Validation("/name", Alarm.NameRule);
        var (alarm, problem) = await JsonBody.ReadAsync<Alarm>(request, ct);
        if (alarm is null) return problem!;
        var errors = alarm.Problems(evaluator.Sources);
        if (errors.Count > 0) return Problems.Validation(errors, "The alarm is not valid");
        var outcome = await store.WriteAsync(w =>
        {
            var existing = w.AlarmGet(name);
            if (existing is not null && existing.Origin != Origins.Api) return existing.Origin;
            w.AlarmUpsert(name, alarm, Origins.Api);
            return existing is null ? "created" : "updated";
        }, ct: ct);
        if (outcome is not ("created" or "updated")) return RuleEndpoints.Declared(name, outcome);
        var view = store.Read(r => AlarmView.From(r.AlarmGet(name)!, r.AlarmHistoryList(name, HistoryShown)));
        return outcome == "created" ? TypedResults.Created($"/alarms/{name}", view) : TypedResults.Ok(view);
    }

    private static async Task<IResult> DeleteAlarm(string name, Store store, CancellationToken ct)
    {
        var outcome = await store.WriteAsync(w =>
        {
            var existing = w.AlarmGet(name);
            if (existing is null) return "missing";
            if (existing.Origin != Origins.Api) return existing.Origin;
            w.AlarmDelete(name);
            return "deleted";
        }, ct: ct);
        if (outcome == "missing") return Problems.NotFound($"No alarm named '{name}'");
        return outcome == "deleted" ? TypedResults.NoContent() : RuleEndpoints.Declared(name, outcome);
    }
}
