using System.Text.Json.Nodes;
using Contrail.Archives;
using Contrail.Events;

namespace Contrail.Tests.Archives;

public sealed class ArchivePathTemplateTests
{
    private static readonly DateTimeOffset ArchivedAt = new(2025, 3, 9, 7, 30, 0, TimeSpan.Zero);

    private static EventEnvelope Event(string id = "e-1", string detailType = "flight.updated") => new()
    {
        Id = id, Source = "app/flights", DetailType = detailType, Time = ArchivedAt.AddDays(-3), Detail = new JsonObject { ["eventType"] = "demo type" },
    };

    private static string Render(string template, EventEnvelope envelope)
    {
        Assert.True(ArchivePathTemplate.TryParse(template, out var parsed, out var problem), problem);
        return parsed!.Render(envelope, ArchivedAt);
    }

    [Fact]
    public void The_default_template_files_events_by_the_hour_they_were_archived() =>
        Assert.Equal("2025/03/09/07/e-1.json", Render(Archive.DefaultPathTemplate, Event()));

    [Fact]
    public void Seed_002s_bronze_layout_uses_the_sanitised_event_type()
    {
        Assert.Equal("flight.updated/2025/03/09/e-1.json", Render("{detail-type}/{yyyy}/{MM}/{dd}/{id}.json", Event()));
        Assert.Equal("demo_type/2025/03/09/e-1.json", Render("{detail.eventType}/{yyyy}/{MM}/{dd}/{id}.json", Event()));
        Assert.Equal("_/e-1.json", Render("{detail.missing}/{id}.json", Event()));
        Assert.Equal("app_flights/.._x/e-1.json", Render("{source}/{detail-type}/{id}.json", Event(detailType: "../x")));
    }

    [Fact]
    public void Event_ids_are_escaped_reversibly_so_two_ids_never_share_a_file()
    {
        Assert.Equal("a%3Ab.json", Render("{id}.json", Event("a:b")));
        Assert.Equal("a_b.json", Render("{id}.json", Event("a_b")));
        Assert.Equal("x%2E%2E.json", Render("{id}.json", Event("x..")));
    }

    [Theory]
    [InlineData("", "1-256")]
    [InlineData("{yyyy}/{MM}", "file name")]
    [InlineData("{id}/{yyyy}.json", "file name")]
    [InlineData("day-{dd}{id}.json", "file name")]
    [InlineData("{yyyy}//{id}", "relative path")]
    [InlineData("/abs/{id}", "relative path")]
    [InlineData("../{id}", "relative path")]
    [InlineData("{when}/{id}", "unknown placeholder")]
    [InlineData("a b/{id}", "may hold only")]
    public void Templates_that_could_collide_or_escape_the_folder_are_refused(string template, string problem)
    {
        Assert.False(ArchivePathTemplate.TryParse(template, out _, out var reason));
        Assert.Contains(problem, reason);
    }
}
