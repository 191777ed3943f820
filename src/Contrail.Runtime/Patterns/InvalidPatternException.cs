namespace Contrail.Patterns;

/// <summary>An event pattern that EventBridge would refuse, with the reason and where it is.</summary>
public sealed class InvalidPatternException(string message, string pointer = "") : Exception(message)
{
    public string Pointer { get; } = pointer;
}
