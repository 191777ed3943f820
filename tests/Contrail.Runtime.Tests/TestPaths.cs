namespace Contrail.Tests;

/// <summary>Where the repository and the workplace's shared material are, found from the test binary.</summary>
public static class TestPaths
{
    /// <summary>The repository root: the first parent folder holding Contrail.slnx.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary><c>../shared/conformance</c> next to the repository, or null when this machine has none.</summary>
    public static string? Conformance { get; } = ExistingOrNull(Path.Combine(RepoRoot, "..", "shared", "conformance"));

    /// <summary>Skips the calling test, with the reason shown, when the conformance corpora are absent.</summary>
    public static string RequireConformance(string corpus)
    {
        var path = Conformance is null ? null : ExistingOrNull(Path.Combine(Conformance, corpus));
        if (path is null)
            Assert.Skip($"conformance corpus '{corpus}' not found at ../shared/conformance (relative to {RepoRoot})");
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Contrail.slnx")))
                return dir.FullName;
        throw new InvalidOperationException("Contrail.slnx not found above " + AppContext.BaseDirectory);
    }

    private static string? ExistingOrNull(string path) => Directory.Exists(path) ? Path.GetFullPath(path) : null;
}
