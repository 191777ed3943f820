using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Contrail.Workflows.Asl;

/// <summary>The JSON types an <see cref="AslValue"/> can have.</summary>
public enum AslValueKind : byte
{
    Null,
    False,
    True,
    Number,
    String,
    Array,
    Object,
}

/// <summary>
/// An immutable JSON value. The interpreter moves state data around as these: a path selection, a
/// Parameters template or a ResultPath merge shares the untouched subtrees instead of deep-cloning them
/// (a <see cref="JsonNode"/> can only have one parent), and a value recorded in a history event or a
/// persisted frame can never change afterwards. Convert at the edges with <see cref="Parse(string)"/>,
/// <see cref="FromJsonNode"/>, <see cref="ToJsonNode"/> and <see cref="ToJsonString"/>.
/// </summary>
[JsonConverter(typeof(AslValueJsonConverterFactory))]
public abstract class AslValue : IEquatable<AslValue>
{
    private protected AslValue() { }

    public abstract AslValueKind Kind { get; }

    public static AslValue Null => AslNull.Instance;
    public static AslValue True => AslBool.TrueInstance;
    public static AslValue False => AslBool.FalseInstance;
    public static AslValue Bool(bool value) => value ? AslBool.TrueInstance : AslBool.FalseInstance;
    public static AslValue Number(long value) => AslNumber.FromLong(value);
    public static AslValue Number(double value) => AslNumber.FromDouble(value);
    public static AslValue String(string value) => new AslString(value);

    public bool IsNull => Kind == AslValueKind.Null;
    public bool IsBoolean => Kind is AslValueKind.True or AslValueKind.False;

    /// <summary>Compact JSON text (no whitespace), the way Step Functions serialises payloads.</summary>
    public string ToJsonString()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, AslJson.WriterOptions))
            WriteTo(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public override string ToString() => ToJsonString();

    public abstract void WriteTo(Utf8JsonWriter writer);

    /// <summary>A fresh, mutable <see cref="JsonNode"/> copy (null for JSON null).</summary>
    public abstract JsonNode? ToJsonNode();

    public static AslValue Parse(string json) => AslJson.Parse(json);

    public static AslValue FromJsonNode(JsonNode? node) => AslJson.FromNode(node);

    public static AslValue FromJsonElement(JsonElement element) => AslJson.FromElement(element);

    /// <summary>JSON equality: objects without regard to key order, arrays in order, numbers by numeric value.</summary>
    public bool Equals(AslValue? other) => other is not null && AslJson.DeepEquals(this, other);

    public override bool Equals(object? obj) => obj is AslValue v && Equals(v);

    public override int GetHashCode() => AslJson.DeepHash(this);
}

[JsonConverter(typeof(AslValueJsonConverterFactory))]
public sealed class AslNull : AslValue
{
    internal static readonly AslNull Instance = new();
    private AslNull() { }
    public override AslValueKind Kind => AslValueKind.Null;
    public override void WriteTo(Utf8JsonWriter writer) => writer.WriteNullValue();
    public override JsonNode? ToJsonNode() => null;
}

[JsonConverter(typeof(AslValueJsonConverterFactory))]
public sealed class AslBool : AslValue
{
    internal static readonly AslBool TrueInstance = new(true);
    internal static readonly AslBool FalseInstance = new(false);
    private AslBool(bool value) => Value = value;
    public bool Value { get; }
    public override AslValueKind Kind => Value ? AslValueKind.True : AslValueKind.False;
    public override void WriteTo(Utf8JsonWriter writer) => writer.WriteBooleanValue(Value);
    public override JsonNode? ToJsonNode() => JsonValue.Create(Value);
}

/// <summary>
/// A JSON number. Keeps the text it was parsed from (so <c>1.0</c> stays <c>1.0</c> and large integers keep
/// every digit), and compares by numeric value.
/// </summary>
[JsonConverter(typeof(AslValueJsonConverterFactory))]
public sealed class AslNumber : AslValue
{
    private static readonly AslNumber[] SmallInts = CreateSmallInts();
    private readonly string? _raw;

    private AslNumber(double value, bool isIntegral, long longValue, string? raw)
    {
        Double = value;
        IsLong = isIntegral;
        Long = longValue;
        _raw = raw;
    }

    public override AslValueKind Kind => AslValueKind.Number;

    /// <summary>The value as a double (always set).</summary>
    public double Double { get; }

    /// <summary>True when the value is an integer that fits a long (then <see cref="Long"/> holds it exactly).</summary>
    public bool IsLong { get; }

    public long Long { get; }

    /// <summary>True when the numeric value has no fractional part (1.0 counts as integral).</summary>
    public bool IsIntegral => IsLong || (Math.Floor(Double) == Double && !double.IsInfinity(Double));

    public static AslNumber FromLong(long value) =>
        value is >= -16 and < 256 ? SmallInts[value + 16] : new AslNumber(value, true, value, null);

    public static AslNumber FromDouble(double value)
    {
        if (Math.Floor(value) == value && Math.Abs(value) < 9.0e15)
        {
            // Integral doubles computed by the engine print as integers (MathAdd and friends produce ints).
            var l = (long)value;
            return new AslNumber(value, true, l, null);
        }
        return new AslNumber(value, false, 0, null);
    }

    /// <summary>From JSON number text as written in a document.</summary>
    public static AslNumber FromText(string text)
    {
        if (text.Length <= 18 && text.IndexOfAny(['.', 'e', 'E']) < 0 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return text.Length < 4 && l is >= -16 and < 256 && !text.StartsWith('-') ? SmallInts[l + 16] : new AslNumber(l, true, l, text);
        var d = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (text.IndexOfAny(['.', 'e', 'E']) < 0 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out l))
            return new AslNumber(d, true, l, text);
        return new AslNumber(d, false, 0, text);
    }

    /// <summary>The number as JSON text.</summary>
    public string Text => _raw ?? (IsLong ? Long.ToString(CultureInfo.InvariantCulture) : FormatDouble(Double));

    internal static string FormatDouble(double d)
    {
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        if (s.Contains('E'))
        {
            // Keep JSON-compatible exponent notation.
            s = s.Replace("E+", "E");
        }
        return s;
    }

    public override void WriteTo(Utf8JsonWriter writer)
    {
        if (_raw is not null) writer.WriteRawValue(_raw, skipInputValidation: true);
        else if (IsLong) writer.WriteNumberValue(Long);
        else writer.WriteRawValue(FormatDouble(Double), skipInputValidation: true);
    }

    public override JsonNode? ToJsonNode()
    {
        if (IsLong) return JsonValue.Create(Long);
        if (_raw is not null && decimal.TryParse(_raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var dec))
            return JsonValue.Create(dec);
        return JsonValue.Create(Double);
    }

    internal static bool NumericEquals(AslNumber a, AslNumber b)
    {
        if (a.IsLong && b.IsLong) return a.Long == b.Long;
        return a.Double == b.Double;
    }

    internal static int Compare(AslNumber a, AslNumber b)
    {
        if (a.IsLong && b.IsLong) return a.Long.CompareTo(b.Long);
        return a.Double.CompareTo(b.Double);
    }

    private static AslNumber[] CreateSmallInts()
    {
        var result = new AslNumber[272];
        for (var i = 0; i < result.Length; i++)
            result[i] = new AslNumber(i - 16, true, i - 16, null);
        return result;
    }
}

[JsonConverter(typeof(AslValueJsonConverterFactory))]
public sealed class AslString : AslValue
{
    internal static readonly AslString Empty = new(string.Empty);

    public AslString(string value) => Value = value;

    public string Value { get; }
    public override AslValueKind Kind => AslValueKind.String;
    public override void WriteTo(Utf8JsonWriter writer) => writer.WriteStringValue(Value);
    public override JsonNode? ToJsonNode() => JsonValue.Create(Value);
}

/// <summary>An immutable JSON array. The item array is owned by the instance and never changed.</summary>
[JsonConverter(typeof(AslValueJsonConverterFactory))]
public sealed class AslArray : AslValue
{
    internal static readonly AslArray Empty = new([]);
    private readonly AslValue[] _items;

    /// <summary>Takes ownership of <paramref name="items"/>: the caller must not change it afterwards.</summary>
    internal AslArray(AslValue[] items) => _items = items;

    public static AslArray Create(IEnumerable<AslValue> items) => new(items.ToArray());

    public override AslValueKind Kind => AslValueKind.Array;
    public int Count => _items.Length;
    public AslValue this[int index] => _items[index];
    public ReadOnlySpan<AslValue> Items => _items;

    public override void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartArray();
        foreach (var item in _items) item.WriteTo(writer);
        writer.WriteEndArray();
    }

    public override JsonNode? ToJsonNode()
    {
        var array = new JsonArray();
        foreach (var item in _items) array.Add(item.ToJsonNode());
        return array;
    }
}

/// <summary>
/// An immutable JSON object that keeps key order. Small objects are searched linearly; larger ones get a
/// lazily built index. Keys can be shared between instances (templates evaluate into a shared key array).
/// </summary>
[JsonConverter(typeof(AslValueJsonConverterFactory))]
public sealed class AslObject : AslValue
{
    internal static readonly AslObject Empty = new([], []);
    private const int IndexThreshold = 8;
    private readonly string[] _keys;
    private readonly AslValue[] _values;
    private Dictionary<string, int>? _index;

    /// <summary>Takes ownership of both arrays (keys may be shared, values must not change afterwards). Keys must be unique.</summary>
    internal AslObject(string[] keys, AslValue[] values)
    {
        System.Diagnostics.Debug.Assert(keys.Length == values.Length);
        _keys = keys;
        _values = values;
    }

    public override AslValueKind Kind => AslValueKind.Object;
    public int Count => _keys.Length;
    public ReadOnlySpan<string> Keys => _keys;
    public ReadOnlySpan<AslValue> Values => _values;

    public IEnumerable<KeyValuePair<string, AslValue>> Properties
    {
        get
        {
            for (var i = 0; i < _keys.Length; i++)
                yield return new KeyValuePair<string, AslValue>(_keys[i], _values[i]);
        }
    }

    public AslValue? this[string key] => TryGetValue(key, out var v) ? v : null;

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AslValue? value)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            value = null;
            return false;
        }
        value = _values[i];
        return true;
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    private int IndexOf(string key)
    {
        var keys = _keys;
        if (keys.Length <= IndexThreshold)
        {
            for (var i = 0; i < keys.Length; i++)
                if (string.Equals(keys[i], key, StringComparison.Ordinal))
                    return i;
            return -1;
        }
        var index = Volatile.Read(ref _index);
        if (index is null)
        {
            // Values are shared between threads (a definition's constants, stored frames): publish the index safely.
            index = new Dictionary<string, int>(keys.Length, StringComparer.Ordinal);
            for (var i = 0; i < keys.Length; i++) index[keys[i]] = i;
            index = Interlocked.CompareExchange(ref _index, index, null) ?? index;
        }
        return index.TryGetValue(key, out var found) ? found : -1;
    }

    /// <summary>A copy with <paramref name="key"/> set (replaced in place, or appended).</summary>
    public AslObject With(string key, AslValue value)
    {
        var i = IndexOf(key);
        if (i >= 0)
        {
            var values = (AslValue[])_values.Clone();
            values[i] = value;
            return new AslObject(_keys, values);
        }
        var newKeys = new string[_keys.Length + 1];
        var newValues = new AslValue[_values.Length + 1];
        _keys.CopyTo(newKeys, 0);
        _values.CopyTo(newValues, 0);
        newKeys[^1] = key;
        newValues[^1] = value;
        return new AslObject(newKeys, newValues);
    }

    /// <summary>A copy with every entry of <paramref name="other"/> set (other wins on conflicts).</summary>
    public AslObject Merge(AslObject other)
    {
        if (other.Count == 0) return this;
        if (Count == 0) return other;
        var builder = new AslObjectBuilder(Count + other.Count);
        for (var i = 0; i < _keys.Length; i++) builder.Add(_keys[i], _values[i]);
        for (var i = 0; i < other._keys.Length; i++) builder.Set(other._keys[i], other._values[i]);
        return builder.Build();
    }

    public override void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        for (var i = 0; i < _keys.Length; i++)
        {
            writer.WritePropertyName(_keys[i]);
            _values[i].WriteTo(writer);
        }
        writer.WriteEndObject();
    }

    public override JsonNode? ToJsonNode()
    {
        var obj = new JsonObject();
        for (var i = 0; i < _keys.Length; i++) obj[_keys[i]] = _values[i].ToJsonNode();
        return obj;
    }
}

/// <summary>Builds an <see cref="AslObject"/>; <see cref="Set"/> replaces an existing key, <see cref="Add"/> assumes it is new.</summary>
public sealed class AslObjectBuilder
{
    private readonly List<string> _keys;
    private readonly List<AslValue> _values;

    public AslObjectBuilder(int capacity = 4)
    {
        _keys = new List<string>(capacity);
        _values = new List<AslValue>(capacity);
    }

    public int Count => _keys.Count;

    public AslObjectBuilder Add(string key, AslValue value)
    {
        _keys.Add(key);
        _values.Add(value);
        return this;
    }

    public AslObjectBuilder Add(string key, string value) => Add(key, new AslString(value));

    public AslObjectBuilder Set(string key, AslValue value)
    {
        var i = _keys.IndexOf(key);
        if (i >= 0) _values[i] = value;
        else Add(key, value);
        return this;
    }

    public AslObject Build() => _keys.Count == 0 ? AslObject.Empty : new AslObject(_keys.ToArray(), _values.ToArray());
}

/// <summary>Parsing, writing and comparing <see cref="AslValue"/>s.</summary>
public static class AslJson
{
    /// <summary>Compact output; strings keep non-ASCII characters as they are (as Step Functions does).</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
    };

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 512,
    };

    public static AslValue Parse(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        return Parse(bytes);
    }

    public static AslValue Parse(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        if (!reader.Read()) throw new JsonException("Empty JSON text.");
        var value = Read(ref reader);
        if (reader.Read()) throw new JsonException("Unexpected data after the JSON value.");
        return value;
    }

    /// <summary>Reads the value at the reader's current token (the reader ends on the value's last token).</summary>
    public static AslValue Read(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null: return AslNull.Instance;
            case JsonTokenType.True: return AslBool.TrueInstance;
            case JsonTokenType.False: return AslBool.FalseInstance;
            case JsonTokenType.String: return new AslString(reader.GetString()!);
            case JsonTokenType.Number:
                return AslNumber.FromText(reader.HasValueSequence ? Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence)) : Encoding.UTF8.GetString(reader.ValueSpan));
            case JsonTokenType.StartArray:
                {
                    var items = new List<AslValue>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        items.Add(Read(ref reader));
                    return items.Count == 0 ? AslArray.Empty : new AslArray(items.ToArray());
                }
            case JsonTokenType.StartObject:
                {
                    var builder = new AslObjectBuilder();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        var key = reader.GetString()!;
                        reader.Read();
                        builder.Set(key, Read(ref reader));
                    }
                    return builder.Build();
                }
            default:
                throw new JsonException($"Unexpected JSON token {reader.TokenType}.");
        }
    }

    public static AslValue FromElement(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                return AslNull.Instance;
            case JsonValueKind.True: return AslBool.TrueInstance;
            case JsonValueKind.False: return AslBool.FalseInstance;
            case JsonValueKind.String: return new AslString(element.GetString()!);
            case JsonValueKind.Number: return AslNumber.FromText(element.GetRawText());
            case JsonValueKind.Array:
                {
                    var items = new AslValue[element.GetArrayLength()];
                    var i = 0;
                    foreach (var item in element.EnumerateArray()) items[i++] = FromElement(item);
                    return items.Length == 0 ? AslArray.Empty : new AslArray(items);
                }
            default:
                {
                    var builder = new AslObjectBuilder();
                    foreach (var p in element.EnumerateObject()) builder.Set(p.Name, FromElement(p.Value));
                    return builder.Build();
                }
        }
    }

    public static AslValue FromNode(JsonNode? node)
    {
        switch (node)
        {
            case null: return AslNull.Instance;
            case JsonObject obj:
                {
                    var builder = new AslObjectBuilder(obj.Count);
                    foreach (var p in obj) builder.Set(p.Key, FromNode(p.Value));
                    return builder.Build();
                }
            case JsonArray arr:
                {
                    var items = new AslValue[arr.Count];
                    for (var i = 0; i < items.Length; i++) items[i] = FromNode(arr[i]);
                    return items.Length == 0 ? AslArray.Empty : new AslArray(items);
                }
            default:
                {
                    var value = (JsonValue)node;
                    if (value.TryGetValue<JsonElement>(out var element)) return FromElement(element);
                    if (value.TryGetValue<string>(out var s)) return new AslString(s);
                    if (value.TryGetValue<bool>(out var b)) return b ? AslBool.TrueInstance : AslBool.FalseInstance;
                    if (value.TryGetValue<long>(out var l)) return AslNumber.FromLong(l);
                    if (value.TryGetValue<int>(out var n)) return AslNumber.FromLong(n);
                    if (value.TryGetValue<decimal>(out var m)) return AslNumber.FromText(m.ToString(CultureInfo.InvariantCulture));
                    if (value.TryGetValue<double>(out var d)) return AslNumber.FromDouble(d);
                    return Parse(node.ToJsonString());
                }
        }
    }

    public static bool DeepEquals(AslValue a, AslValue b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a.Kind != b.Kind) return false;
        switch (a.Kind)
        {
            case AslValueKind.Number: return AslNumber.NumericEquals((AslNumber)a, (AslNumber)b);
            case AslValueKind.String: return string.Equals(((AslString)a).Value, ((AslString)b).Value, StringComparison.Ordinal);
            case AslValueKind.Array:
                {
                    var x = (AslArray)a;
                    var y = (AslArray)b;
                    if (x.Count != y.Count) return false;
                    for (var i = 0; i < x.Count; i++)
                        if (!DeepEquals(x[i], y[i])) return false;
                    return true;
                }
            case AslValueKind.Object:
                {
                    var x = (AslObject)a;
                    var y = (AslObject)b;
                    if (x.Count != y.Count) return false;
                    var keys = x.Keys;
                    var values = x.Values;
                    for (var i = 0; i < keys.Length; i++)
                        if (!y.TryGetValue(keys[i], out var other) || !DeepEquals(values[i], other)) return false;
                    return true;
                }
            default: return true;
        }
    }

    public static int DeepHash(AslValue value)
    {
        switch (value.Kind)
        {
            case AslValueKind.Number:
                // Equal numbers must hash alike whatever their text (1 and 1.0): hash the double value.
                return ((AslNumber)value).Double.GetHashCode();
            case AslValueKind.String: return ((AslString)value).Value.GetHashCode(StringComparison.Ordinal);
            case AslValueKind.Array:
                {
                    var h = new HashCode();
                    foreach (var item in ((AslArray)value).Items) h.Add(DeepHash(item));
                    return h.ToHashCode();
                }
            case AslValueKind.Object:
                {
                    var o = (AslObject)value;
                    var sum = 0;
                    for (var i = 0; i < o.Count; i++)
                        sum += HashCode.Combine(o.Keys[i].GetHashCode(StringComparison.Ordinal), DeepHash(o.Values[i]));
                    return sum;
                }
            default: return (int)value.Kind;
        }
    }

    /// <summary>
    /// The size of the value's compact UTF-8 JSON text, computed without writing it (used for the 256 KiB
    /// payload quota). Escapes are approximated; the result is exact for text without control characters.
    /// </summary>
    public static long EstimateUtf8Size(AslValue value, long stopAbove = long.MaxValue)
    {
        long size = 0;
        Accumulate(value, ref size, stopAbove);
        return size;

        static void Accumulate(AslValue v, ref long size, long stop)
        {
            if (size > stop) return;
            switch (v.Kind)
            {
                case AslValueKind.Null: size += 4; break;
                case AslValueKind.True: size += 4; break;
                case AslValueKind.False: size += 5; break;
                case AslValueKind.Number: size += ((AslNumber)v).Text.Length; break;
                case AslValueKind.String: size += StringSize(((AslString)v).Value); break;
                case AslValueKind.Array:
                    {
                        var a = (AslArray)v;
                        size += 2 + Math.Max(0, a.Count - 1);
                        foreach (var item in a.Items) Accumulate(item, ref size, stop);
                        break;
                    }
                case AslValueKind.Object:
                    {
                        var o = (AslObject)v;
                        size += 2 + Math.Max(0, o.Count - 1) + o.Count;
                        for (var i = 0; i < o.Count; i++)
                        {
                            size += StringSize(o.Keys[i]);
                            Accumulate(o.Values[i], ref size, stop);
                        }
                        break;
                    }
            }
        }

        static long StringSize(string s)
        {
            long n = 2;
            foreach (var c in s)
            {
                if (c is '"' or '\\') n += 2;
                else if (c < 0x20) n += 6;
                else if (c < 0x80) n += 1;
                else if (char.IsSurrogate(c)) n += 2;
                else if (c < 0x800) n += 2;
                else n += 3;
            }
            return n;
        }
    }

    /// <summary>Shortcut for building string values from UTF-16 text without a JSON round trip.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AslValue Str(string s) => s.Length == 0 ? AslString.Empty : new AslString(s);
}

/// <summary>Serialises any <see cref="AslValue"/> type as the JSON it represents (so records holding values round-trip).</summary>
public sealed class AslValueJsonConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeof(AslValue).IsAssignableFrom(typeToConvert);

    public override JsonConverter? CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter?)Activator.CreateInstance(typeof(AslValueJsonConverter<>).MakeGenericType(typeToConvert));
}

/// <summary>Reads and writes one <see cref="AslValue"/> type; JSON null reads as <see cref="AslValue.Null"/> for the base type.</summary>
public sealed class AslValueJsonConverter<T> : JsonConverter<T> where T : AslValue
{
    public override bool HandleNull => typeof(T) == typeof(AslValue);

    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = AslJson.Read(ref reader);
        return value as T ?? throw new JsonException($"Expected a JSON {typeof(T).Name}, found {value.Kind}.");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        if (value is null) writer.WriteNullValue();
        else value.WriteTo(writer);
    }
}
