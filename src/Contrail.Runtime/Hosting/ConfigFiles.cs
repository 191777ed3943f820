using System.Text.Json;
using Contrail.Events;
using Contrail.Json;

namespace Contrail.Hosting;

/// <summary>
/// Declarations read from JSON files at start-up (rules, alarms): the files a setting lists plus every
/// <c>*.json</c> in a folder of the data directory. A file holds one object or an array of them; comments
/// and trailing commas are allowed. The files are the truth for what they declare: a problem in any of them
/// stops the start, naming the file and the place.
/// </summary>
internal static class ConfigFiles
{
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 64 };

    // An element's raw text keeps the file's comments and trailing commas: the serializer must accept them too.
    private static readonly JsonSerializerOptions Serializer = new(ContrailJson.Options) { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The paths to read: <paramref name="listed"/> (relative to the data directory) then <c>{dataDir}/{folder}/*.json</c>, in name order.</summary>
    public static List<string> Paths(IEnumerable<string> listed, string dataDir, string folder)
    {
        var paths = listed.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => Path.GetFullPath(p, dataDir)).ToList();
        var directory = Path.Combine(dataDir, folder);
        if (Directory.Exists(directory)) paths.AddRange(Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal));
        return paths.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Reads every item of every file into <typeparamref name="T"/>, with its <c>name</c>, and checks it with
    /// <paramref name="check"/>; throws <see cref="InvalidOperationException"/> listing every problem of every file.
    /// </summary>
    public static List<(string Name, T Item)> Load<T>(IEnumerable<string> paths, Func<string, T, List<FieldError>> check) where T : class
    {
        var items = new List<(string, T)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var path in paths)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(File.ReadAllText(path), Options);
            }
            catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
            {
                problems.Add($"{path}: {ex.Message}");
                continue;
            }
            using (document)
            {
                var root = document.RootElement;
                var entries = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToList() : [root];
                for (var i = 0; i < entries.Count; i++)
                {
                    var where = root.ValueKind == JsonValueKind.Array ? $"{path}#/{i}" : $"{path}#";
                    if (entries[i].ValueKind != JsonValueKind.Object)
                    {
                        problems.Add($"{where}: must be a JSON object");
                        continue;
                    }
                    if (!entries[i].TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
                    {
                        problems.Add($"{where}/name: required");
                        continue;
                    }
                    var name = nameElement.GetString()!;
                    if (!names.Add(name))
                    {
                        problems.Add($"{where}/name: '{name}' is declared twice");
                        continue;
                    }
                    try
                    {
                        var item = entries[i].Deserialize<T>(Serializer);
                        var errors = item is null ? [new FieldError("", "must be a JSON object")] : check(name, item);
                        if (errors.Count == 0) items.Add((name, item!));
                        problems.AddRange(errors.Select(e => $"{where}{e.Pointer}: {e.Detail}"));
                    }
                    catch (JsonException ex)
                    {
                        var (pointer, detail) = Http.JsonBody.Describe(ex);
                        problems.Add($"{where}{pointer}: {detail}");
                    }
                }
            }
        }
        if (problems.Count > 0) throw new InvalidOperationException("Declarations in configuration files are not valid:\n  " + string.Join("\n  ", problems));
        return items;
    }
}
