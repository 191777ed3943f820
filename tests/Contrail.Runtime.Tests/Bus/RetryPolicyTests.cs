using Contrail.Bus;
using Contrail.Observability;
using Contrail.Tests.Storage;

namespace Contrail.Tests.Bus;

public sealed class RetryPolicyTests
{
    [Theory]
    [InlineData(1, 0, 2, 60, null)]
    [InlineData(2, 10, 2, 60, null)]
    [InlineData(3, 10, 2, 60, "MaximumRetryAttempts")]
    [InlineData(1, 10, 0, 60, "MaximumRetryAttempts")]
    [InlineData(2, 60, 185, 60, "MaximumEventAgeInSeconds")]
    [InlineData(186, 0, 185, 86400, "MaximumRetryAttempts")]
    public void A_failed_attempt_is_retried_until_either_limit_is_used_up(int attempt, double ageSeconds, int retries, int maxAge, string? exhausted) =>
        Assert.Equal(exhausted, AsyncTargetDelivery.Exhausted(attempt, ageSeconds, retries, maxAge));

    [Fact]
    public void Delivery_counters_sum_over_the_window_and_forget_older_buckets()
    {
        var time = new ManualTime(new DateTimeOffset(2025, 1, 15, 8, 0, 0, TimeSpan.Zero));
        var counters = new DeliveryCounters(time);
        var counter = counters.For("queue", "q");
        counter.Failed();
        counter.Succeeded();
        time.Advance(TimeSpan.FromSeconds(30));
        counters.For("queue", "q").Failed();
        Assert.Equal((3L, 2L), counters.Read("queue", "q", TimeSpan.FromMinutes(1)));
        Assert.Equal((1L, 1L), counters.Read("queue", "q", TimeSpan.FromSeconds(10)));
        Assert.Equal((0L, 0L), counters.Read("queue", "other", TimeSpan.FromMinutes(1)));
        time.Advance(TimeSpan.FromHours(2));
        Assert.Equal((0L, 0L), counters.Read("queue", "q", TimeSpan.FromHours(1)));
    }
}
