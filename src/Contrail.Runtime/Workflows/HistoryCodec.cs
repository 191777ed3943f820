using System.Buffers;
using System.Text.Json;
using Contrail.Workflows.Asl;

namespace Contrail.Workflows;

/// <summary>
/// Writes history events into the compact JSON arrays stored in <c>workflow_history</c> (short member names,
/// payloads as JSON values rather than AWS's JSON-in-strings) and reads them back. The history API renders AWS's
/// shape from what this reads (<see cref="HistoryEvent.ToAwsJson"/>). Not thread-safe: one writer per runner.
/// </summary>
internal sealed class HistoryCodec
{
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

    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Utf8JsonWriter _writer;

    public HistoryCodec() => _writer = new Utf8JsonWriter(_buffer, AslJson.WriterOptions);

    /// <summary>Events <paramref name="start"/>..<paramref name="start"/>+<paramref name="count"/> of the list as one stored chunk.</summary>
    public byte[] Encode(List<HistoryEvent> events, int start, int count)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        var w = _writer;
        w.WriteStartArray();
        for (var i = start; i < start + count; i++)
        {
            var e = events[i];
            w.WriteStartObject();
            w.WriteNumber(Id, e.Id);
            w.WriteNumber(Previous, e.PreviousEventId);
            w.WriteNumber(Time, e.Timestamp.ToUnixTimeMilliseconds());
            w.WriteString(Type, e.Type);
            if (e.Name is not null) w.WriteString(Name, e.Name);
            if (e.Input is not null) { w.WritePropertyName(Input); e.Input.WriteTo(w); }
            if (e.Output is not null) { w.WritePropertyName(Output); e.Output.WriteTo(w); }
            if (e.Parameters is not null) { w.WritePropertyName(Parameters); e.Parameters.WriteTo(w); }
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
            if (e.AssignedVariables is not null) { w.WritePropertyName(Assigned); e.AssignedVariables.WriteTo(w); }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a stored chunk.</summary>
    public static List<HistoryEvent> Decode(byte[] chunk)
    {
        var events = new List<HistoryEvent>();
        var r = new Utf8JsonReader(chunk, new JsonReaderOptions { MaxDepth = 512 });
        r.Read(); // [
        while (r.Read() && r.TokenType == JsonTokenType.StartObject)
        {
            long id = 0, previous = 0, time = 0;
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
                    case "in": input = AslJson.Read(ref r); break;
                    case "out": output = AslJson.Read(ref r); break;
                    case "par": parameters = AslJson.Read(ref r); break;
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
                    case "av": assigned = AslJson.Read(ref r) as AslObject; break;
                    default: r.Skip(); break;
                }
            }
            events.Add(new HistoryEvent
            {
                Id = id,
                PreviousEventId = previous,
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
            });
        }
        return events;
    }
}
