using Contrail.Applications.FlightPulse;
using Contrail.Workflows.Asl;

namespace Contrail.Tests.FlightPulse;

/// <summary>
/// The three ASL workflows on the sample data, run by the in-memory runner against the server's real functions
/// and store: the original's four single-event scenarios with their expected counts, tier order, the terminal
/// gate change's SMS-first rule, cancellation's NEEDS_REBOOKING and rebooking.needed, and once-only effects.
/// </summary>
public sealed class WorkflowTests : IAsyncLifetime
{
    private FlightPulseHarness _fp = null!;

    public async ValueTask InitializeAsync() => _fp = await FlightPulseHarness.StartAsync();

    public ValueTask DisposeAsync() => _fp.DisposeAsync();

    private static Dictionary<string, int> Sent(List<JsonObject> notifications) =>
        notifications.Where(n => (string?)n["status"] == "sent").GroupBy(n => (string)n["channel"]!).ToDictionary(g => g.Key, g => g.Count());

    [Theory]
    [InlineData(1, 4, 3, 3)]
    [InlineData(2, 3, 2, 1)]
    [InlineData(3, 2, 2, 2)]
    [InlineData(4, 3, 3, 2)]
    public async Task Each_scenario_notifies_the_expected_passengers_once_per_channel(int number, int emails, int sms, int push)
    {
        var expected = Scenarios.Build(number, DateTimeOffset.UtcNow).Events.Single();
        var (eventId, result) = await _fp.DisruptAsync(expected.Event);
        Assert.True(result.Status == AslExecutionStatus.Succeeded, FlightPulseHarness.Describe(result));

        var notifications = await _fp.NotificationsAsync(eventId);
        var sent = Sent(notifications);
        Assert.Equal(emails, sent.GetValueOrDefault("email"));
        Assert.Equal(sms, sent.GetValueOrDefault("sms"));
        Assert.Equal(push, sent.GetValueOrDefault("push"));
        Assert.All(notifications, n => Assert.Equal("sent", (string?)n["status"]));
        Assert.All(notifications, n => Assert.InRange((double)n["clock_seconds"]!, 0, 1800));

        var flight = await _fp.Client.GetJsonAsync($"/flights/{expected.Event["payload"]!["flight_id"]}");
        foreach (var (field, value) in expected.Flight) Assert.Equal(value?.ToJsonString(), flight![field]?.ToJsonString());

        var disruption = _fp.Server.Store.Read(r => r.RecordGet("disruptions", eventId)!.Value);
        Assert.Equal("completed", (string?)disruption["status"]);
        Assert.Equal(emails + sms + push, (int)disruption["notifications_sent"]!);
    }

    [Fact]
    public async Task Recipients_are_masked_and_messages_follow_tier_and_special_requests()
    {
        var (eventId, _) = await _fp.DisruptAsync(Scenarios.Build(1, DateTimeOffset.UtcNow).Events[0].Event);
        var notifications = await _fp.NotificationsAsync(eventId);
        var email = notifications.Single(n => (string?)n["passenger_id"] == "P001" && (string?)n["channel"] == "email");
        Assert.Equal("j***h@example.com", (string?)email["recipient"]);
        var sms = notifications.Single(n => (string?)n["passenger_id"] == "P001" && (string?)n["channel"] == "sms");
        Assert.Equal("+*******4567", (string?)sms["recipient"]);
        // A-LIST PREFERRED gets priority language; a MEMBER's SMS on another flight does not.
        Assert.Contains("A-LIST PREFERRED", (string?)sms["text"]);
        Assert.True(SmsText.Fits((string)sms["text"]!));
        Assert.Equal("template", (string?)sms["message_source"]);
        Assert.DoesNotContain(notifications, n => ((string?)n["recipient"])?.Contains("example.com") == true && !((string)n["recipient"]!).Contains("***"));
    }

    [Fact]
    public async Task Bookings_are_notified_in_tier_order()
    {
        // Six passengers on one flight, created in the reverse of tier order.
        foreach (var (id, tier) in new[] { ("T1", "MEMBER"), ("T2", "A-LIST"), ("T3", "MEMBER"), ("T4", "A-LIST PREFERRED"), ("T5", "A-LIST"), ("T6", "A-LIST PREFERRED") })
        {
            Assert.Equal(HttpStatusCode.Created, (await _fp.Client.PutJsonAsync($"/passengers/{id}",
                $$$"""{"first_name":"{{{id}}}","last_name":"Tier","tier":"{{{tier}}}","email":"{{{id.ToLowerInvariant()}}}@example.com","notification_preferences":{"email":true,"sms":false,"push":false}}""")).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await _fp.Client.PutJsonAsync($"/bookings/B{id}",
                $$"""{"passenger_id":"{{id}}","flight_id":"SW7890","booking_status":"CONFIRMED"}""")).StatusCode);
        }
        var operational = Scenarios.Event(OperationalEventFormat.Delay, "SW7890", DateTimeOffset.UtcNow, 40);
        var id2 = await _fp.SendAsync(operational);
        var order = new List<string>();
        var result = await _fp.RunWorkflowAsync(await _fp.EnvelopeAsync(id2), request =>
        {
            if (request.FunctionName == "flightpulse.notify-passengers")
                lock (order) order.AddRange(request.Input.ToJsonNode()!["bookings"]!.AsArray().Select(b => (string)b!["tier"]!));
            return null;
        });
        Assert.Equal(AslExecutionStatus.Succeeded, result.Status);
        // The Map's items, in order, run from A-LIST PREFERRED to MEMBER (one batch here: 8 bookings).
        Assert.Equal(order.OrderBy(FlightPulseRecords.TierRank).ToList(), order);
        Assert.Equal("A-LIST PREFERRED", order[0]);

        // Sent in that order too: no email of a tier went out after one of a lower tier (equal milliseconds allowed).
        var emails = (await _fp.NotificationsAsync(id2)).Where(n => (string?)n["channel"] == "email").ToList();
        Assert.Null(Scenarios.TierOrderViolation(emails));
    }

    [Fact]
    public async Task A_terminal_gate_change_texts_every_passenger_with_a_phone_before_any_email()
    {
        var (eventId, result) = await _fp.DisruptAsync(Scenarios.Build(4, DateTimeOffset.UtcNow).Events[0].Event);
        Assert.Equal(AslExecutionStatus.Succeeded, result.Status);
        var notifications = await _fp.NotificationsAsync(eventId);
        // P002 does not want SMS, but a terminal change reaches every phone.
        Assert.Contains(notifications, n => (string?)n["passenger_id"] == "P002" && (string?)n["channel"] == "sms");
        var lastSms = notifications.Where(n => (string?)n["channel"] == "sms").Max(n => (string)n["sent_at"]!);
        var firstEmail = notifications.Where(n => (string?)n["channel"] == "email").Min(n => (string)n["sent_at"]!);
        Assert.True(string.CompareOrdinal(lastSms, firstEmail) <= 0, $"last SMS {lastSms}, first email {firstEmail}");
        var entered = result.History.Where(h => h.Type == "MapStateEntered").Select(h => h.Name).ToList();
        Assert.Equal(["SmsFirst", "ThenEmailAndPush"], entered);
        Assert.Equal("D15", (string?)(await _fp.Client.GetJsonAsync("/flights/SW3456"))!["gate"]);
    }

    [Fact]
    public async Task A_gate_change_within_the_terminal_follows_preferences()
    {
        var (eventId, result) = await _fp.DisruptAsync(Scenarios.Build(5, DateTimeOffset.UtcNow).Events[1].Event);
        Assert.Equal(AslExecutionStatus.Succeeded, result.Status);
        var sent = Sent(await _fp.NotificationsAsync(eventId));
        Assert.Equal(3, sent["email"]);
        Assert.Equal(2, sent["sms"]);
    }

    [Fact]
    public async Task A_cancellation_marks_every_booking_for_rebooking_publishes_rebooking_needed_and_status_changes_once()
    {
        var (eventId, result) = await _fp.DisruptAsync(Scenarios.Build(3, DateTimeOffset.UtcNow).Events[0].Event);
        Assert.Equal(AslExecutionStatus.Succeeded, result.Status);
        foreach (var booking in new[] { "B009", "B010" })
            Assert.Equal("NEEDS_REBOOKING", (string?)(await _fp.Client.GetJsonAsync($"/bookings/{booking}"))!["booking_status"]);
        Assert.Equal("CANCELLED", (string?)(await _fp.Client.GetJsonAsync("/flights/SW9012"))!["status"]);

        var rebooking = (await _fp.Client.GetJsonAsync("/events?detail_type=rebooking.needed"))!["items"]!.AsArray().Single()!["event"]!;
        Assert.Equal(eventId, (string?)rebooking["detail"]!["event_id"]);
        Assert.Equal(["B009", "B010"], rebooking["detail"]!["bookings"]!.AsArray().Select(b => (string)b!["booking_id"]!).Order().ToArray());

        var changes = await Eventually.Until(async () => (await _fp.Client.GetJsonAsync("/events?detail_type=booking.status_changed"))!["items"]!.AsArray(),
            items => items.Count >= 2, because: "two booking.status_changed events");
        var details = changes.Select(c => c!["event"]!["detail"]!).ToList();
        Assert.Equal(["B009", "B010"], details.Select(d => (string)d["booking_id"]!).Order().ToArray());
        Assert.All(details, d => Assert.Equal("CONFIRMED", (string?)d["old_status"]));
        Assert.All(details, d => Assert.Equal("NEEDS_REBOOKING", (string?)d["new_status"]));

        // Running the whole workflow again (a redelivered event) changes and sends nothing more.
        var again = await _fp.RunWorkflowAsync(await _fp.EnvelopeAsync(eventId));
        Assert.Equal(AslExecutionStatus.Succeeded, again.Status);
        Assert.Equal(6, (await _fp.NotificationsAsync(eventId)).Count);
        Assert.All(await _fp.NotificationsAsync(eventId), n => Assert.Equal(1, (int)n["attempts"]!));
        var metrics = await _fp.Client.GetJsonAsync("/flightpulse/metrics");
        Assert.Equal(6, (long)metrics!["NotificationsSent"]!);
        await Eventually.Until(() => _fp.Server.Store.Read(r => r.CheckpointGet(BookingStatusFeed.Checkpoint) >= r.ChangeLastSeq()), because: "the change feed consumer caught up");
        Assert.Equal(2, (await _fp.Client.GetJsonAsync("/events?detail_type=booking.status_changed"))!["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_failing_step_is_caught_recorded_and_published_as_workflow_failed()
    {
        var id = await _fp.SendAsync(Scenarios.Build(1, DateTimeOffset.UtcNow).Events[0].Event);
        var attempts = 0;
        var result = await _fp.RunWorkflowAsync(await _fp.EnvelopeAsync(id), request =>
        {
            if (request.FunctionName != "flightpulse.notify-passengers") return null;
            Interlocked.Increment(ref attempts);
            return TaskOutcome.Failure("FlightPulse.DeliveryFailed", "SMTP is down");
        });
        Assert.Equal(AslExecutionStatus.Failed, result.Status);
        Assert.Equal("FlightPulse.WorkflowFailed", result.Error);
        // Retried before it was caught: the first attempt and MaxAttempts (5) retries.
        Assert.Equal(6, attempts);
        var failed = (await _fp.Client.GetJsonAsync("/events?detail_type=workflow.failed"))!["items"]!.AsArray().Single()!["event"]!["detail"]!;
        Assert.Equal(id, (string?)failed["event_id"]);
        Assert.Equal("FlightPulse.DeliveryFailed", (string?)failed["error"]);
        Assert.Equal(1, (long)(await _fp.Client.GetJsonAsync("/flightpulse/metrics"))!["ProcessingErrors"]!);
        Assert.All(await _fp.NotificationsAsync(id), n => Assert.Equal("pending", (string?)n["status"]));
    }

    [Fact]
    public async Task An_open_disruption_past_the_deadline_raises_the_late_alarm_once()
    {
        // Aware two hours ago, and no workflow ran: every passenger's notification is missing.
        var operational = Scenarios.Build(2, DateTimeOffset.UtcNow.AddHours(-2)).Events[0].Event;
        var id = await _fp.SendAsync(operational);
        var clock = _fp.Server.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<RegulatoryClock>().Single();
        Assert.Equal([id], await clock.CheckAsync(CancellationToken.None));
        Assert.Empty(await clock.CheckAsync(CancellationToken.None));
        var late = (await _fp.Client.GetJsonAsync("/events?detail_type=notification.late"))!["items"]!.AsArray().Single()!["event"]!["detail"]!;
        Assert.Equal("missing", (string?)late["kind"]);
        Assert.Equal("SW5678", (string?)late["flight_id"]);
        Assert.Equal(1, (long)(await _fp.Client.GetJsonAsync("/flightpulse/metrics"))!["NotificationsLate"]!);
    }

    [Fact]
    public async Task A_notification_sent_after_the_deadline_is_late_and_alarms()
    {
        var operational = Scenarios.Build(3, DateTimeOffset.UtcNow.AddMinutes(-45)).Events[0].Event;
        var (id, result) = await _fp.DisruptAsync(operational);
        Assert.Equal(AslExecutionStatus.Succeeded, result.Status);
        Assert.All(await _fp.NotificationsAsync(id), n => Assert.True((double)n["clock_seconds"]! > 2700 - 5));
        var late = (await _fp.Client.GetJsonAsync("/events?detail_type=notification.late"))!["items"]!.AsArray().Single()!["event"]!["detail"]!;
        Assert.Equal("late", (string?)late["kind"]);
    }
}
