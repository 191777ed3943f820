namespace Contrail.Hosting;

/// <summary>
/// An exclusive OS lock on <c>{data-dir}/contrail.lock</c>, held for the life of the process. The kernel
/// drops it when the process dies, even by SIGKILL, so a restart never finds a stale lock (a pid file would).
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream _stream;

    private DataDirectoryLock(FileStream stream) => _stream = stream;

    public static DataDirectoryLock Acquire(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, "contrail.lock");
        try
        {
            // On Unix, FileShare.None takes flock(LOCK_EX | LOCK_NB) on the file.
            return new DataDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException ex)
        {
            throw new DataDirectoryInUseException(dataDir, ex);
        }
    }

    public void Dispose() => _stream.Dispose();
}

public sealed class DataDirectoryInUseException(string dataDir, Exception inner)
    : Exception($"The data directory {dataDir} is in use by another Contrail process", inner);
