namespace Contrail.Tests.Infrastructure;

/// <summary>Waits for an asynchronous outcome by polling with a deadline; never a fixed sleep.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string? because = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        var delay = TimeSpan.FromMilliseconds(20);
        T last;
        while (true)
        {
            last = await probe();
            if (done(last)) return last;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Timed out waiting{(because is null ? "" : " for " + because)}; last value: {Describe(last)}");
            await Task.Delay(delay, TestContext.Current.CancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    public static Task Until(Func<bool> condition, TimeSpan? timeout = null, string? because = null) =>
        Until(() => Task.FromResult(condition()), ok => ok, timeout, because);

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        JsonNode node => node.ToJsonString(),
        _ => value.ToString() ?? "",
    };
}
