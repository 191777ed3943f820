using System.Reflection;

namespace Contrail.Storage;

/// <summary>
/// The named SQL statements of one dialect, read once from the embedded <c>Storage/Sql/*.sql</c> files.
/// A file in <c>Sql/{dialect}/</c> overrides a statement of the same name from the shared files, so
/// each statement exists once unless the dialects really differ.
/// </summary>
public sealed class SqlCatalog
{
    private readonly Dictionary<string, string> _statements;

    private SqlCatalog(string dialect, Dictionary<string, string> statements)
    {
        Dialect = dialect;
        _statements = statements;
    }

    public string Dialect { get; }

    public IReadOnlyCollection<string> Names => _statements.Keys;

    public string this[string name] =>
        _statements.TryGetValue(name, out var sql) ? sql : throw new KeyNotFoundException($"No SQL statement named '{name}' for {Dialect}");

    public static SqlCatalog Load(string dialect)
    {
        var statements = new Dictionary<string, string>(StringComparer.Ordinal);
        var assembly = typeof(SqlCatalog).Assembly;
        var resources = assembly.GetManifestResourceNames();
        // Shared statements first, then the dialect's overrides.
        foreach (var resource in resources.Where(r => r.StartsWith("Sql/", StringComparison.Ordinal) && r.Count(c => c == '/') == 1).Order())
            Parse(ReadResource(assembly, resource), statements);
        foreach (var resource in resources.Where(r => r.StartsWith($"Sql/{dialect}/", StringComparison.Ordinal)).Order())
            Parse(ReadResource(assembly, resource), statements);
        return new SqlCatalog(dialect, statements);
    }

    /// <summary>The migrations of a dialect, ordered by their number.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> LoadMigrations(string dialect)
    {
        var assembly = typeof(SqlCatalog).Assembly;
        var prefix = $"Migrations/{dialect}/";
        return assembly.GetManifestResourceNames()
            .Where(r => r.StartsWith(prefix, StringComparison.Ordinal))
            .Select(r =>
            {
                var file = r[prefix.Length..];
                return (Version: int.Parse(file[..file.IndexOf('_')]), Name: Path.GetFileNameWithoutExtension(file), Sql: ReadResource(assembly, r));
            })
            .OrderBy(m => m.Version)
            .ToList();
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static void Parse(string text, Dictionary<string, string> into)
    {
        string? name = null;
        var body = new System.Text.StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith("-- name:", StringComparison.Ordinal))
            {
                Flush();
                name = trimmed["-- name:".Length..].Trim();
                continue;
            }
            if (name is not null && !trimmed.StartsWith("--", StringComparison.Ordinal))
                body.AppendLine(line.TrimEnd('\r'));
        }
        Flush();

        void Flush()
        {
            if (name is null) return;
            var sql = body.ToString().Trim();
            if (sql.EndsWith(';')) sql = sql[..^1];
            into[name] = sql;
            body.Clear();
            name = null;
        }
    }
}
