using Contrail.Events;
using Contrail.Hosting;
using Contrail.Patterns;
using Contrail.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contrail.Archives;

/// <summary>Settings of archives (<c>Archive:*</c>).</summary>
public sealed class ArchiveOptions
{
    /// <summary>Where archive folders live; default <c>{DataDir}/archive</c>.</summary>
    public string? Directory { get; set; }

    /// <summary>How often expired entries are removed.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Archived events a replay publishes per transaction.</summary>
    public int ReplayBatchSize { get; set; } = 100;

    /// <summary>A pause between a replay's batches, to spare the consumers of replayed events.</summary>
    public TimeSpan ReplayPause { get; set; } = TimeSpan.Zero;
}

/// <summary>
/// The archives, compiled into one matcher that the bus runs on every accepted event. Indexing happens in
/// the accepting transaction; <see cref="ArchiveWriter"/> writes the files after the commit. Rebuilt and
/// swapped after every change, like the rules.
/// </summary>
public sealed class ArchiveRegistry
{
    /// <summary>Raised after a commit that indexed events, so the writer writes their files.</summary>
    public const string Signal = "archive";

    private readonly Store _store;
    private readonly ILogger<ArchiveRegistry> _logger;
    private readonly Lock _reload = new();
    private readonly Action _wake;
    private volatile Snapshot _snapshot = Snapshot.Empty;

    public ArchiveRegistry(Store store, IOptions<ContrailOptions> contrail, IOptions<ArchiveOptions> options, ILogger<ArchiveRegistry> logger)
    {
        _store = store;
        _logger = logger;
        Root = Path.GetFullPath(options.Value.Directory ?? Path.Combine(contrail.Value.DataDir, "archive"));
        _wake = () => store.Signals.Notify(Signal);
    }

    /// <summary>The folder that holds one folder per archive.</summary>
    public string Root { get; }

    public string FolderOf(string archive) => Path.Combine(Root, archive);

    /// <summary>The full path of an entry's file.</summary>
    public string FileOf(string archive, string relativePath) => Path.Combine(Root, archive, relativePath);

    public void Reload()
    {
        lock (_reload)
        {
            var builder = new MatcherBuilder<string>();
            var all = new List<string>();
            var templates = new Dictionary<string, ArchivePathTemplate>(StringComparer.Ordinal);
            foreach (var stored in _store.Read(r => r.ArchiveListAll()))
            {
                try
                {
                    if (!ArchivePathTemplate.TryParse(stored.Archive.PathTemplate, out var template, out var problem)) throw new ArgumentException(problem);
                    if (stored.Archive.EventPattern is { } pattern) builder.Add(stored.Name, PatternCompiler.Compile(pattern.ToJsonString()));
                    else all.Add(stored.Name);
                    templates[stored.Name] = template!;
                }
                catch (Exception ex) when (ex is InvalidPatternException or ArgumentException)
                {
                    _logger.LogError(ex, "Archive {Archive} is not valid and archives nothing: {Reason}", stored.Name, ex.Message);
                }
            }
            _snapshot = new Snapshot(builder.Build(), all.ToArray(), templates);
        }
    }

    /// <summary>Indexes the event in every archive whose pattern it matches, in the accepting transaction.</summary>
    public void Archive(StoreWriter writer, EventEnvelope envelope, ReadOnlySpan<byte> utf8, string json)
    {
        var snapshot = _snapshot;
        if (snapshot.Templates.Count == 0) return;
        List<string>? matched = null;
        if (snapshot.Matcher.RuleCount > 0)
        {
            matched = [];
            snapshot.Matcher.Match(utf8, matched);
        }
        if (snapshot.All.Length == 0 && matched is not { Count: > 0 }) return;
        var now = DateTimeOffset.FromUnixTimeMilliseconds(writer.NowMs);
        var eventTime = envelope.Time.ToUnixTimeMilliseconds();
        foreach (var name in snapshot.All) Index(name);
        if (matched is not null) foreach (var name in matched) Index(name);
        writer.AfterCommit(_wake);

        void Index(string name) => writer.ArchiveEntryInsert(name, envelope.Id, eventTime, snapshot.Templates[name].Render(envelope, now), json);
    }

    private sealed record Snapshot(Matcher<string> Matcher, string[] All, Dictionary<string, ArchivePathTemplate> Templates)
    {
        public static readonly Snapshot Empty = new(Matcher<string>.Empty, [], new Dictionary<string, ArchivePathTemplate>());
    }
}
