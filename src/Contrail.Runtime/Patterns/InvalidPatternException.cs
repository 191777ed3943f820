namespace Contrail.Patterns;

/// <summary>
/// An event pattern was rejected when compiled. <see cref="Exception.Message"/> uses AWS EventBridge's wording
/// (<c>Event pattern is not valid. Reason: ...</c>); <see cref="Pointer"/> is a JSON pointer (RFC 6901) to the
/// offending place in the pattern, or "" when the whole pattern is at fault.
/// </summary>
public sealed class InvalidPatternException : Exception
{
    /// <summary>The prefix AWS puts before every reason.</summary>
    public const string MessagePrefix = "Event pattern is not valid. Reason: ";

    public InvalidPatternException(string reason, string pointer, Exception? inner = null)
        : base(MessagePrefix + reason, inner)
    {
        Reason = reason;
        Pointer = pointer;
    }

    /// <summary>The reason alone, without <see cref="MessagePrefix"/>.</summary>
    public string Reason { get; }

    /// <summary>JSON pointer to the offending place, e.g. <c>/detail/state/0/numeric</c>; "" for the whole pattern.</summary>
    public string Pointer { get; }
}
