using Contrail.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contrail.Archives;

/// <summary>
/// Keeps the archive folders in step with the archive index, which is authoritative:
/// <list type="bullet">
/// <item>writes the file of every pending entry (temporary file, fsync, rename), then clears the entry's
/// pending payload in one transaction per batch. A crash anywhere leaves the entry pending and the same
/// bytes are written again, so a committed event always ends up with its file, and no file is ever half-written;</item>
/// <item>enforces retention: deletes expired entries' files first, then their rows (a crash in between
/// leaves rows that the next sweep deletes: never a file without a row);</item>
/// <item>at start-up, removes folders of archives that no longer exist (a crash after a delete committed).</item>
/// </list>
/// Running in the background keeps file I/O off the single writer, so archiving costs the accept path one insert.
/// </summary>
internal sealed class ArchiveWriter(Store store, ArchiveRegistry archives, IOptions<ArchiveOptions> options, ILogger<ArchiveWriter> logger) : BackgroundService
{
    private const int BatchSize = 256;
    internal const string TrashFolder = ".trash";
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Before anything can create an archive folder.
        RemoveOrphanFolders();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var nextSweep = 0L;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var written = await WritePendingAsync(stoppingToken);
                if (Environment.TickCount64 >= nextSweep)
                {
                    nextSweep = Environment.TickCount64 + (long)options.Value.SweepInterval.TotalMilliseconds;
                    await SweepExpiredAsync(stoppingToken);
                }
                if (written == BatchSize) continue;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Archive maintenance failed; retrying");
            }
            await store.Signals.WaitAsync(ArchiveRegistry.Signal, PollInterval, stoppingToken);
        }
    }

    /// <summary>Writes the files of up to one batch of pending entries; returns how many.</summary>
    internal async Task<int> WritePendingAsync(CancellationToken ct)
    {
        var pending = store.Read(r => r.ArchiveEntryListPending(BatchSize));
        if (pending.Count == 0) return 0;
        foreach (var entry in pending) WriteFile(archives.FileOf(entry.Archive, entry.Path), entry.Body);
        var gone = await store.WriteAsync(w => pending.Where(e => !w.ArchiveEntryMarkWritten(e.Seq)).ToList(), ct: ct);
        // Entries deleted while their files were being written (their archive was deleted): no orphan files.
        foreach (var entry in gone) DeleteFile(archives.FileOf(entry.Archive, entry.Path));
        return pending.Count;
    }

    private static void WriteFile(string path, string body)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // One writer process per data directory, so a fixed temporary name is safe and a crash leaves no stray copies.
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(body));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Deletes entries past their archive's retention: files first, then rows.</summary>
    internal async Task<int> SweepExpiredAsync(CancellationToken ct)
    {
        var total = 0;
        var now = store.Time.GetUtcNow();
        foreach (var archive in store.Read(r => r.ArchiveListAll()))
        {
            if (archive.Archive.RetentionDays <= 0) continue;
            var before = (now - TimeSpan.FromDays(archive.Archive.RetentionDays)).ToUnixTimeMilliseconds();
            while (!ct.IsCancellationRequested)
            {
                var expired = store.Read(r => r.ArchiveEntryListArchivedBefore(archive.Name, before, BatchSize));
                if (expired.Count == 0) break;
                var folders = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (_, path) in expired)
                {
                    var file = archives.FileOf(archive.Name, path);
                    DeleteFile(file);
                    folders.Add(Path.GetDirectoryName(file)!);
                }
                await store.WriteAsync(w =>
                {
                    foreach (var (seq, _) in expired) w.ArchiveEntryDelete(seq);
                    return 0;
                }, ct: ct);
                foreach (var folder in folders) RemoveEmptyFolders(folder, archives.FolderOf(archive.Name));
                total += expired.Count;
            }
        }
        if (total > 0) logger.LogInformation("Archive retention removed {Count} archived events", total);
        return total;
    }

    /// <summary>Removes an archive's folder after its deletion committed: moved aside at once, deleted in the background.</summary>
    internal void RemoveFolder(string archive)
    {
        var folder = archives.FolderOf(archive);
        if (!Directory.Exists(folder)) return;
        var trash = Path.Combine(archives.Root, TrashFolder, archive + "-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(trash)!);
            Directory.Move(folder, trash);
        }
        catch (IOException ex)
        {
            logger.LogWarning(ex, "Could not move the folder of deleted archive {Archive} aside; it is removed at the next start", archive);
            return;
        }
        _ = Task.Run(() => DeleteFolder(trash));
    }

    private void RemoveOrphanFolders()
    {
        if (!Directory.Exists(archives.Root)) return;
        // Every stored archive owns its folder, even one whose definition no longer compiles: its files are data.
        var known = store.Read(r => r.ArchiveListAll()).Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var folder in Directory.GetDirectories(archives.Root))
        {
            var name = Path.GetFileName(folder);
            if (name == TrashFolder || !known.Contains(name))
            {
                logger.LogInformation("Removing archive folder {Folder}: no archive owns it", folder);
                DeleteFolder(folder);
            }
        }
    }

    private void DeleteFolder(string folder)
    {
        try { Directory.Delete(folder, recursive: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { logger.LogWarning(ex, "Could not delete {Folder}", folder); }
    }

    private static void DeleteFile(string path)
    {
        try { File.Delete(path); }
        catch (DirectoryNotFoundException) { }
    }

    private static void RemoveEmptyFolders(string folder, string stopAt)
    {
        while (folder.Length > stopAt.Length && folder.StartsWith(stopAt, StringComparison.Ordinal))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(folder).Any()) return;
                Directory.Delete(folder);
            }
            catch (IOException) { return; }
            folder = Path.GetDirectoryName(folder)!;
        }
    }
}
