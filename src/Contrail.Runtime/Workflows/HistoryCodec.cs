using System.Buffers;
using System.Text.Json;
using Contrail.Workflows.Asl;

namespace Contrail.Workflows;

/// <summary>
/// Writes history events into the compact JSON stored in <c>workflow_history</c> (short member names, payloads as JSON
/// values rather than AWS's JSON-in-strings, each shared payload once) and reads them back. The history API renders AWS's
/// shape from what this reads (<see cref="HistoryEvent.ToAwsJson"/>). Not thread-safe: one writer per runner.
/// </summary>
internal sealed class HistoryCodec
{
    /// <summary>A chunk is closed once it passes this size, so that no chunk lands on the large-object heap.</summary>
    public const int ChunkBytes = 48 * 1024;

    private static readonly JsonEncodedText Values = JsonEncodedText.Encode("v");
    private static readonly JsonEncodedText Events = JsonEncodedText.Encode("e");
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("i");
    private static readonly JsonEncodedText Previous = JsonEncodedText.Encode("p");
    private static readonly JsonEncodedText Time = JsonEncodedText.Encode("t");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("y");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("n");
    private static readonly JsonEncodedText Input = JsonEncodedText.Encode("in");
    private static readonly JsonEncodedText Output = JsonEncodedText.Encode("out");
    private static readonly JsonEncodedText Parameters = JsonEncodedText.Encode("par");
    private static readonly JsonEncodedText Error = JsonEncodedText.Encode("e");
    private static readonly JsonEncodedText Cause = JsonEncodedText.Encode("c");
    private static readonly JsonEncodedText Resource = JsonEncodedText.Encode("r");
    private static readonly JsonEncodedText ResourceType = JsonEncodedText.Encode("rt");
    private static readonly JsonEncodedText Region = JsonEncodedText.Encode("rg");
    private static readonly JsonEncodedText RoleArn = JsonEncodedText.Encode("ra");
    private static readonly JsonEncodedText Index = JsonEncodedText.Encode("x");
    private static readonly JsonEncodedText Length = JsonEncodedText.Encode("l");
    private static readonly JsonEncodedText Timeout = JsonEncodedText.Encode("to");
    private static readonly JsonEncodedText Heartbeat = JsonEncodedText.Encode("hb");
    private static readonly JsonEncodedText Assigned = JsonEncodedText.Encode("av");

    private readonly ArrayBufferWriter<byte> _values = new(64 * 1024);
    private readonly ArrayBufferWriter<byte> _events = new(16 * 1024);
    private readonly Utf8JsonWriter _valueWriter;
    private readonly Utf8JsonWriter _eventWriter;

    // The engine shares payloads between events (a state's input is the previous state's output, a Task's input is
    // its scheduled input...): a value written recently is not written again; events refer to values by position.
    // A small ring compared by reference finds nearly all of them (sharing is between near events of one frame) and
    // costs less than hashing every payload's identity.
    private const int Recent = 64;
    private readonly AslValue?[] _recentValues = new AslValue?[Recent];
    private readonly int[] _recentIndexes = new int[Recent];
    private int _valueCount;
    private long _lastTime;

    public HistoryCodec()
    {
        _valueWriter = new Utf8JsonWriter(_values, AslJson.WriterOptions);
        _eventWriter = new Utf8JsonWriter(_events, AslJson.WriterOptions);
    }

    /// <summary>The events as stored chunks of consecutive events: (first id, last id, bytes), each chunk under about <see cref="ChunkBytes"/>.</summary>
    public void Encode(List<HistoryEvent> events, Action<long, long, byte[]> chunk)
    {
        var first = 0;
        Begin();
        for (var i = 0; i < events.Count; i++)
        {
            Write(events[i]);
            if (_values.WrittenCount + _events.WrittenCount + _valueWriter.BytesPending + _eventWriter.BytesPending >= ChunkBytes || i == events.Count - 1)
            {
                chunk(events[first].Id, events[i].Id, End());
                first = i + 1;
                if (first < events.Count) Begin();
            }
        }
    }

    private void Begin()
    {
        _values.ResetWrittenCount();
        _events.ResetWrittenCount();
        _valueWriter.Reset(_values);
        _eventWriter.Reset(_events);
        Array.Clear(_recentValues);
        _valueCount = 0;
        _lastTime = -1;
        _valueWriter.WriteStartArray();
        _eventWriter.WriteStartArray();
    }

    private byte[] End()
    {
        _valueWriter.WriteEndArray();
        _eventWriter.WriteEndArray();
        _valueWriter.Flush();
        _eventWriter.Flush();
        // {"v":[values],"e":[events]}
        var values = _values.WrittenSpan;
        var events = _events.WrittenSpan;
        var bytes = new byte[5 + values.Length + 5 + events.Length + 1];
        var span = bytes.AsSpan();
        "{\"v\":"u8.CopyTo(span);
        values.CopyTo(span[5..]);
        var at = 5 + values.Length;
        ",\"e\":"u8.CopyTo(span[at..]);
        events.CopyTo(span[(at + 5)..]);
        span[^1] = (byte)'}';
        return bytes;
    }

    private int Ref(AslValue value)
    {
        for (var i = 0; i < Recent; i++)
            if (ReferenceEquals(_recentValues[i], value)) return _recentIndexes[i];
        var index = _valueCount++;
        value.WriteTo(_valueWriter);
        _recentValues[index % Recent] = value;
        _recentIndexes[index % Recent] = index;
        return index;
    }

    private void Write(HistoryEvent e)
    {
        var w = _eventWriter;
        w.WriteStartObject();
        w.WriteNumber(Id, e.Id);
        // Most events follow the one before them, at the same time: only differences are written.
        if (e.PreviousEventId != e.Id - 1) w.WriteNumber(Previous, e.PreviousEventId);
        var time = e.Timestamp.ToUnixTimeMilliseconds();
        if (time != _lastTime) w.WriteNumber(Time, time);
        _lastTime = time;
        w.WriteString(Type, e.Type);
        if (e.Name is not null) w.WriteString(Name, e.Name);
        if (e.Input is not null) w.WriteNumber(Input, Ref(e.Input));
        if (e.Output is not null) w.WriteNumber(Output, Ref(e.Output));
        if (e.Parameters is not null) w.WriteNumber(Parameters, Ref(e.Parameters));
        if (e.Error is not null) w.WriteString(Error, e.Error);
        if (e.Cause is not null) w.WriteString(Cause, e.Cause);
        if (e.Resource is not null) w.WriteString(Resource, e.Resource);
        if (e.ResourceType is not null) w.WriteString(ResourceType, e.ResourceType);
        if (e.Region is not null) w.WriteString(Region, e.Region);
        if (e.RoleArn is not null) w.WriteString(RoleArn, e.RoleArn);
        if (e.Index is { } index) w.WriteNumber(Index, index);
        if (e.Length is { } length) w.WriteNumber(Length, length);
        if (e.TimeoutInSeconds is { } timeout) w.WriteNumber(Timeout, timeout);
        if (e.HeartbeatInSeconds is { } heartbeat) w.WriteNumber(Heartbeat, heartbeat);
        if (e.AssignedVariables is not null) w.WriteNumber(Assigned, Ref(e.AssignedVariables));
        w.WriteEndObject();
    }

    /// <summary>Reads a stored chunk.</summary>
    public static List<HistoryEvent> Decode(byte[] chunk)
    {
        var events = new List<HistoryEvent>();
        var values = new List<AslValue>();
        var r = new Utf8JsonReader(chunk, new JsonReaderOptions { MaxDepth = 512 });
        r.Read(); // {
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var section = r.GetString();
            r.Read(); // [
            if (section == "v")
            {
                while (r.Read() && r.TokenType != JsonTokenType.EndArray) values.Add(AslJson.Read(ref r));
                continue;
            }
            long time = 0;
            while (r.Read() && r.TokenType == JsonTokenType.StartObject)
            {
                var e = ReadEvent(ref r, values, time);
                time = e.Timestamp.ToUnixTimeMilliseconds();
                events.Add(e);
            }
        }
        return events;
    }

    private static HistoryEvent ReadEvent(ref Utf8JsonReader r, List<AslValue> values, long time)
    {
        long id = 0;
        long? previous = null;
        string type = "";
        string? name = null, error = null, cause = null, resource = null, resourceType = null, region = null, roleArn = null;
        AslValue? input = null, output = null, parameters = null;
        AslObject? assigned = null;
        int? index = null, length = null;
        long? timeout = null, heartbeat = null;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var key = r.GetString();
            r.Read();
            switch (key)
            {
                case "i": id = r.GetInt64(); break;
                case "p": previous = r.GetInt64(); break;
                case "t": time = r.GetInt64(); break;
                case "y": type = r.GetString()!; break;
                case "n": name = r.GetString(); break;
                case "in": input = values[r.GetInt32()]; break;
                case "out": output = values[r.GetInt32()]; break;
                case "par": parameters = values[r.GetInt32()]; break;
                case "e": error = r.GetString(); break;
                case "c": cause = r.GetString(); break;
                case "r": resource = r.GetString(); break;
                case "rt": resourceType = r.GetString(); break;
                case "rg": region = r.GetString(); break;
                case "ra": roleArn = r.GetString(); break;
                case "x": index = r.GetInt32(); break;
                case "l": length = r.GetInt32(); break;
                case "to": timeout = r.GetInt64(); break;
                case "hb": heartbeat = r.GetInt64(); break;
                case "av": assigned = values[r.GetInt32()] as AslObject; break;
                default: r.Skip(); break;
            }
        }
        return new HistoryEvent
        {
            Id = id,
            PreviousEventId = previous ?? id - 1,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(time),
            Type = type,
            Name = name,
            Input = input,
            Output = output,
            Parameters = parameters,
            Error = error,
            Cause = cause,
            Resource = resource,
            ResourceType = resourceType,
            Region = region,
            RoleArn = roleArn,
            Index = index,
            Length = length,
            TimeoutInSeconds = timeout,
            HeartbeatInSeconds = heartbeat,
            AssignedVariables = assigned,
        };
    }
}
