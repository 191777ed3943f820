using System.Collections.Concurrent;
using Contrail.Storage;

namespace Contrail.Queues;

/// <summary>
/// The queues and their attributes, cached from the store so that receivers need no lookup per receive.
/// Creating a queue also creates its dead-letter queue.
/// </summary>
public sealed class QueueRegistry(Store store)
{
    private readonly ConcurrentDictionary<string, QueueAttributes> _queues = new(StringComparer.Ordinal);

    public void Load()
    {
        foreach (var queue in store.Read(r => r.QueueListAll())) _queues[queue.Name] = queue.Attributes;
    }

    public bool TryGet(string name, out QueueAttributes attributes)
    {
        if (_queues.TryGetValue(name, out attributes!)) return true;
        var stored = store.Read(r => r.QueueGet(name));
        if (stored is null) return false;
        attributes = _queues[name] = stored.Attributes;
        return true;
    }

    /// <summary>
    /// Whether a queue exists, for deliveries inside a write transaction: the cache answers for known queues;
    /// only a name it lacks costs a lookup, through the writer so that a queue created in the same transaction counts.
    /// </summary>
    public bool Exists(StoreReader reader, string name) => _queues.ContainsKey(name) || reader.QueueGet(name) is not null;

    public QueueAttributes Get(string name) =>
        TryGet(name, out var attributes) ? attributes : throw new InvalidOperationException($"Queue '{name}' does not exist");

    /// <summary>Creates or updates a queue (and its dead-letter queue) in the caller's transaction. True when created.</summary>
    public bool Upsert(StoreWriter writer, string name, QueueAttributes attributes)
    {
        var resolved = attributes.Resolve(name);
        var created = writer.QueueGet(name) is null;
        writer.QueueUpsert(name, resolved);
        if (resolved.DeadLetterQueue is { } dlq && writer.QueueGet(dlq) is null)
        {
            writer.QueueUpsert(dlq, QueueAttributes.ForDeadLetterQueue());
            writer.AfterCommit(() => _queues[dlq] = QueueAttributes.ForDeadLetterQueue());
        }
        writer.AfterCommit(() => _queues[name] = resolved);
        return created;
    }

    /// <summary>Creates a queue if it does not exist, leaving an existing one as it is.</summary>
    public void Declare(StoreWriter writer, string name, QueueAttributes attributes)
    {
        if (writer.QueueGet(name) is { } existing)
        {
            writer.AfterCommit(() => _queues[name] = existing.Attributes);
            return;
        }
        Upsert(writer, name, attributes);
    }

    public bool Delete(StoreWriter writer, string name)
    {
        var deleted = writer.QueueDelete(name);
        writer.AfterCommit(() => _queues.TryRemove(name, out _));
        return deleted;
    }
}
