namespace Contrail.Tests.Crash;

public sealed class DataDirectoryLockTests
{
    [Fact]
    public async Task A_second_process_on_the_same_data_directory_is_refused_and_a_restart_after_sigkill_works()
    {
        var dataDir = TempDirectory.Create("lock");
        try
        {
            await using var first = await ContrailProcess.StartAsync(dataDir, "lock-key");
            await using (var second = ContrailProcess.Launch(dataDir, "lock-key"))
            {
                Assert.Equal(2, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
                Assert.Contains("in use by another Contrail process", second.Output);
            }

            first.Kill();
            await using var third = await ContrailProcess.StartAsync(dataDir, "lock-key");
            using var client = new HttpClient { BaseAddress = new Uri(third.Url) };
            using var health = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }
}
