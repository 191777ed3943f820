using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;

namespace Contrail.Destinations;

public enum SecretSource { Environment, File, Configuration }

/// <summary>
/// Where a secret is: <c>env:NAME</c> (an environment variable), <c>file:/absolute/path</c> (a secret file,
/// e.g. a mounted Kubernetes or Docker secret; surrounding whitespace is dropped) or <c>config:Section:Key</c>
/// (Contrail's configuration, which also reads <c>CONTRAIL__SECTION__KEY</c>). The reference is stored and
/// shown; the secret never is.
/// </summary>
public readonly record struct SecretReference(SecretSource Source, string Name)
{
    public static bool TryParse(string text, out SecretReference reference, out string? error)
    {
        reference = default;
        error = null;
        var colon = text.IndexOf(':');
        var (prefix, name) = colon > 0 ? (text[..colon], text[(colon + 1)..]) : ("", text);
        switch (prefix)
        {
            case "env" when name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'):
                reference = new(SecretSource.Environment, name);
                return true;
            case "file" when Path.IsPathFullyQualified(name):
                reference = new(SecretSource.File, name);
                return true;
            case "config" when name.Length > 0 && !name.StartsWith(':') && !name.EndsWith(':'):
                reference = new(SecretSource.Configuration, name);
                return true;
            default:
                error = "must say where the secret is: env:NAME, file:/absolute/path or config:Section:Key (never the secret itself)";
                return false;
        }
    }

    public override string ToString() => Source switch
    {
        SecretSource.Environment => "env:" + Name,
        SecretSource.File => "file:" + Name,
        _ => "config:" + Name,
    };

    /// <summary>Says where the secret was looked for, in words an operator can act on.</summary>
    public string Describe() => Source switch
    {
        SecretSource.Environment => $"the environment variable {Name}",
        SecretSource.File => $"the file {Name}",
        _ => $"the setting {Name} (environment CONTRAIL__{Name.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant()})",
    };
}

/// <summary>
/// Reads secrets when a request needs them, so a rotated file or variable is picked up without a restart.
/// Values are cached for a few seconds, because at hundreds of requests a second a file read per request
/// is waste. Secrets live only in memory and in the outgoing request; they are never logged.
/// </summary>
public sealed class SecretResolver(IConfiguration configuration, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<SecretReference, (string? Value, long Until)> _cache = new();

    /// <summary>The secret, or null when it is not set, empty or unreadable.</summary>
    public string? Resolve(SecretReference reference)
    {
        var now = time.GetTimestamp();
        if (_cache.TryGetValue(reference, out var cached) && now < cached.Until) return cached.Value;
        var value = Read(reference);
        _cache[reference] = (value, now + (long)(CacheFor.TotalSeconds * time.TimestampFrequency));
        return value;
    }

    private string? Read(SecretReference reference)
    {
        var value = reference.Source switch
        {
            SecretSource.Environment => Environment.GetEnvironmentVariable(reference.Name),
            SecretSource.Configuration => configuration[reference.Name],
            _ => ReadFile(reference.Name),
        };
        value = value?.Trim();
        return string.IsNullOrEmpty(value) ? null : value;
    }

    private static string? ReadFile(string path)
    {
        try { return File.ReadAllText(path); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
