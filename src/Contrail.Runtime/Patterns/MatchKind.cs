namespace Contrail.Patterns;

/// <summary>The kinds of value test a pattern field can hold. One field lists several; any one matching is enough.</summary>
internal enum MatchKind : byte
{
    /// <summary>The event value is this exact string (ordinal, after JSON unescaping).</summary>
    ExactString,
    /// <summary>The event value is this literal: <c>true</c>, <c>false</c>, <c>null</c>, or a number (then compared by value when both sides are comparable, else by text).</summary>
    ExactLiteral,
    /// <summary>The event value is a string that starts with the text.</summary>
    Prefix,
    /// <summary>The event value is a string that starts with the text, ignoring case.</summary>
    PrefixIgnoreCase,
    /// <summary>The event value is a string that ends with the text (stored reversed in the matcher).</summary>
    Suffix,
    /// <summary>The event value is a string that ends with the text, ignoring case.</summary>
    SuffixIgnoreCase,
    /// <summary>The event value is a string equal to the text, ignoring case.</summary>
    EqualsIgnoreCase,
    /// <summary>The event value is a string matching a glob where <c>*</c> stands for any run of characters.</summary>
    Wildcard,
    /// <summary>The event value is a number inside a range (bounds open or closed), compared as a <see cref="ComparableNumber"/>.</summary>
    NumericRange,
    /// <summary>The event value is a string holding an IP address inside a CIDR block (IPv4 or IPv6).</summary>
    Cidr,
    /// <summary>The field has at least one leaf value (of any type, <c>null</c> included).</summary>
    Exists,
    /// <summary>The field has no leaf value (missing, an empty array, or only objects), counting only values from the array elements the rule's earlier fields chose.</summary>
    Absent,
    /// <summary>The event value is present and is none of these strings, or none of these numbers.</summary>
    AnythingBut,
    /// <summary>The event value is present and is not a string starting with any of these prefixes.</summary>
    AnythingButPrefix,
    /// <summary>The event value is present and is not a string ending with any of these suffixes.</summary>
    AnythingButSuffix,
    /// <summary>The event value is present and is not a string equal to any of these, ignoring case.</summary>
    AnythingButIgnoreCase,
    /// <summary>The event value is present and is not a string matching any of these wildcards.</summary>
    AnythingButWildcard,
}
