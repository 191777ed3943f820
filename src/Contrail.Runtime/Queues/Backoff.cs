namespace Contrail.Queues;

/// <summary>Exponential backoff with jitter: base, 2x base, 4x base ... capped, each drawn from [d/2, d].</summary>
public static class Backoff
{
    public static TimeSpan Delay(int attempt, QueueAttributes attributes) =>
        Delay(attempt, attributes.RetryBaseSeconds, attributes.RetryMaxSeconds);

    public static TimeSpan Delay(int attempt, double baseSeconds, double maxSeconds)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var seconds = Math.Min(maxSeconds, baseSeconds * Math.Pow(2, exponent));
        // "Equal jitter": half fixed, half random, so retries spread out but never collapse to zero.
        return TimeSpan.FromSeconds(seconds / 2 + Random.Shared.NextDouble() * seconds / 2);
    }
}
