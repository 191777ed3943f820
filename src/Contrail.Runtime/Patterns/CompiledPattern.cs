using System.Text.Json;

namespace Contrail.Patterns;

/// <summary>A validated event pattern (interim: exact values only; the full operator set replaces this).</summary>
public sealed class CompiledPattern
{
    internal CompiledPattern(string json, JsonElement root)
    {
        Json = json;
        Root = root;
    }

    public string Json { get; }

    internal JsonElement Root { get; }

    public bool Matches(JsonElement json) => ExactMatching.Matches(Root, json);
}
