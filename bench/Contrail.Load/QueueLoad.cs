using System.Diagnostics;
using Contrail.Queues;
using Contrail.Storage;
using Contrail.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contrail.Load;

/// <summary>
/// The queue pipeline end to end on a real SQLite file (synchronous=FULL): producers send messages in
/// batches, a consumer with the given concurrency runs a no-op handler, and completions are acked in
/// batches. Throughput is messages acked per second from the first send to the last ack.
/// </summary>
internal static class QueueLoad
{
    public static async Task<int> RunAsync(int messages, int concurrency, int sendBatch)
    {
        var dir = Path.Combine(Path.GetTempPath(), "contrail-queue-load-" + Guid.NewGuid().ToString("N"));
        await using var store = SqliteStore.Open(new SqliteStoreOptions { DataDirectory = dir }, TimeProvider.System, NullLogger.Instance);
        var queues = new QueueRegistry(store);
        await store.WriteAsync(w => { queues.Upsert(w, "load", new QueueAttributes()); return 0; });
        queues.Load();

        long handled = 0;
        var registration = new QueueConsumerRegistration("load", (_, _) =>
        {
            Interlocked.Increment(ref handled);
            return ValueTask.CompletedTask;
        }, null) { Concurrency = concurrency, Prefetch = 512 };
        var consumer = new QueueConsumer(registration, store, queues, NullLogger.Instance, TimeSpan.FromMilliseconds(100));
        using var stopping = new CancellationTokenSource();
        var stopwatch = Stopwatch.StartNew();
        var consuming = consumer.RunAsync(stopping.Token, CancellationToken.None);

        var producers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var sent = p * (messages / 4); sent < (p + 1) * (messages / 4); sent += sendBatch)
            {
                var from = sent;
                await store.WriteAsync(w =>
                {
                    for (var i = from; i < from + sendBatch; i++) w.MessageSend("load", new OutgoingMessage("{\"n\":" + i + "}"));
                    return 0;
                });
            }
        })).ToArray();
        await Task.WhenAll(producers);
        var sentAt = stopwatch.Elapsed;
        while (store.Read(r => r.QueueStats("load")) is var stats && stats.Ready + stats.InFlight > 0) await Task.Delay(20);
        var elapsed = stopwatch.Elapsed;
        await stopping.CancelAsync();
        await consuming;

        Console.WriteLine($"queue: {messages:N0} messages, consumer concurrency {concurrency}, sends in batches of {sendBatch}");
        Console.WriteLine($"  sent in {sentAt.TotalSeconds:F2}s ({messages / sentAt.TotalSeconds:N0}/s); all handled and acked after {elapsed.TotalSeconds:F2}s");
        Console.WriteLine($"  end to end: {messages / elapsed.TotalSeconds:N0} messages/s (handled {Interlocked.Read(ref handled):N0})");
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        return 0;
    }
}
