namespace Contrail.Storage;

/// <summary>
/// The write half of the storage contract: a session inside one transaction. Work given to
/// <see cref="Store.WriteAsync{T}"/> runs against a writer and commits all-or-nothing with it, which is how
/// Contrail avoids dual writes: an event, its archive entry, its queue messages and domain changes commit together.
/// </summary>
public sealed partial class StoreWriter : StoreReader
{
    private readonly HashSet<string> _touchedQueues = new(StringComparer.Ordinal);
    private readonly List<Action> _afterCommit = [];
    private bool _changesAppended;

    internal StoreWriter(System.Data.Common.DbConnection connection, SqlCatalog sql, TimeProvider time, string owner)
        : base(connection, sql, time, owner)
    {
    }

    /// <summary>Runs <paramref name="action"/> once this transaction has committed (never if it rolls back).</summary>
    public void AfterCommit(Action action) => _afterCommit.Add(action);

    /// <summary>Marks the start of one unit of work inside a group-committed batch.</summary>
    internal int Mark() => _afterCommit.Count;

    /// <summary>Forgets what a rolled-back unit of work registered after <paramref name="mark"/>.</summary>
    internal void RollbackTo(int mark) => _afterCommit.RemoveRange(mark, _afterCommit.Count - mark);

    /// <summary>After the commit: wakes the consumers of touched queues and change-feed readers, runs callbacks.</summary>
    internal void Committed(StoreSignals signals)
    {
        foreach (var queue in _touchedQueues) signals.Notify(StoreSignals.Queue(queue));
        if (_changesAppended) signals.Notify(StoreSignals.Changes);
        foreach (var action in _afterCommit) action();
        Reset();
    }

    internal void Reset()
    {
        _touchedQueues.Clear();
        _afterCommit.Clear();
        _changesAppended = false;
    }

    private void TouchQueue(string queue) => _touchedQueues.Add(queue);

    /// <summary>
    /// Runs <paramref name="work"/> in a savepoint inside this transaction: if it throws, only its own
    /// writes (and after-commit actions) are undone and the exception is returned; the rest commits.
    /// </summary>
    public Exception? InSavepoint(Action work)
    {
        var mark = Mark();
        ExecuteFixed("SAVEPOINT part");
        try
        {
            work();
            ExecuteFixed("RELEASE SAVEPOINT part");
            return null;
        }
        catch (Exception ex)
        {
            RollbackTo(mark);
            ExecuteFixed("ROLLBACK TO SAVEPOINT part");
            ExecuteFixed("RELEASE SAVEPOINT part");
            return ex;
        }
    }
}
