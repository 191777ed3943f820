using System.Text.Json.Nodes;
using Contrail.Bus;
using Contrail.Events;

namespace Contrail.Archives;

/// <summary>
/// An archive (EventBridge's, and the bronze layer of seed 002): every accepted event matching
/// <see cref="EventPattern"/> (every event when null) is kept as its raw payload file under
/// <c>{archive-dir}/{name}/{path template}</c>, with an index row in the store, for
/// <see cref="RetentionDays"/> (0: for ever).
/// </summary>
public sealed record Archive
{
    public const string DefaultPathTemplate = "{yyyy}/{MM}/{dd}/{HH}/{id}.json";

    public string? Description { get; init; }
    public JsonObject? EventPattern { get; init; }
    public int RetentionDays { get; init; }

    /// <summary>Where each payload goes in the archive's folder; see <see cref="ArchivePathTemplate"/>.</summary>
    public string PathTemplate { get; init; } = DefaultPathTemplate;

    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 48 && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    public const string NameRule = "an archive name is 1-48 letters, digits, '-', '_' or '.', starting with a letter or digit";

    /// <summary>Every problem with this archive, as JSON pointers into its definition.</summary>
    public List<FieldError> Problems()
    {
        var errors = new List<FieldError>();
        if (Description is { Length: > 512 }) errors.Add(new("/description", "must be at most 512 characters"));
        if (EventPattern is not null && RuleValidation.PatternProblem(EventPattern.ToJsonString(), "/event_pattern") is { } problem) errors.Add(problem);
        if (RetentionDays is < 0 or > 36_500) errors.Add(new("/retention_days", "must be between 0 (keep for ever) and 36500"));
        if (!ArchivePathTemplate.TryParse(PathTemplate, out _, out var templateProblem)) errors.Add(new("/path_template", templateProblem!));
        return errors;
    }
}

/// <summary>An archive as stored, with where it came from (the API, or an application that declared it).</summary>
public sealed record StoredArchive(string Name, Archive Archive, string Origin, long CreatedAt, long UpdatedAt);

/// <summary>An archive's size.</summary>
public sealed record ArchiveStats(long EventCount, long SizeBytes, long? OldestEventTime, long? NewestEventTime);

/// <summary>One archived event in the index. <see cref="PendingBody"/> is set until its file has been written.</summary>
public sealed record ArchiveEntry(long Seq, string EventId, long EventTime, string Path, string? PendingBody);

/// <summary>An entry whose payload file is still to be written.</summary>
public sealed record PendingArchiveEntry(long Seq, string Archive, string Path, string Body);
