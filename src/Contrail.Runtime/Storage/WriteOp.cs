namespace Contrail.Storage;

/// <summary>A unit of work waiting for a writer; completed only after the transaction that ran it committed.</summary>
internal abstract class WriteOp
{
    public abstract bool IsCancelled { get; }
    public abstract void Run(StoreWriter writer);
    public abstract void Complete();
    public abstract void Fail(Exception exception);
}

internal sealed class WriteOp<T>(Func<StoreWriter, T> work, CancellationToken ct) : WriteOp
{
    // Continuations run asynchronously so that no caller's code ever runs on the writer thread.
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T? _result;
    private bool _ran;

    public Task<T> Task => _completion.Task;

    public override bool IsCancelled
    {
        get
        {
            if (!ct.IsCancellationRequested) return false;
            _completion.TrySetCanceled(ct);
            return true;
        }
    }

    public override void Run(StoreWriter writer)
    {
        _result = work(writer);
        _ran = true;
    }

    public override void Complete()
    {
        if (_ran) _completion.TrySetResult(_result!);
    }

    public override void Fail(Exception exception)
    {
        _ran = false;
        _completion.TrySetException(exception);
    }
}
