using System.Globalization;
using System.Text.Json.Nodes;

namespace Contrail.Tests.Patterns;

/// <summary>
/// Seeded random events and patterns over small shared vocabularies, so that patterns and events collide often:
/// the same few paths (nested, dotted, arrays of scalars and of objects) and values chosen to sit on the edges
/// (case variants, prefixes of each other, numbers written two ways, IP addresses, null versus "null").
/// </summary>
internal sealed class RandomPatterns(int seed)
{
    private readonly Random _random = new(seed);

    private static readonly string[] Strings =
    [
        "aws.ec2", "aws.s3", "AWS.EC2", "aws", "", "null", "true", "5", "10.0.0.1", "10.0.1.7", "2001:db8::1",
        "dir/init/file.png", "dir/lib/file.txt", "Straße", "ÉTÉ", "été", "ab", "abc", "ABC", "running", "stopped",
    ];

    private static readonly string[] Numbers = ["0", "1", "1.5", "300", "3.0e2", "-5", "5000000000", "1e10", "0.000001", "123456789012", "42"];

    private static readonly string[] ScalarPaths = ["source", "detail-type", "detail.state", "detail.n", "detail.ip", "detail.c.d"];

    public JsonObject Event()
    {
        var root = new JsonObject();
        foreach (var path in ScalarPaths)
        {
            if (_random.Next(3) == 0) continue;
            JsonNode? value = _random.Next(6) == 0 ? new JsonArray(ScalarNode(path), ScalarNode(path)) : ScalarNode(path);
            Set(root, path, value);
        }
        if (_random.Next(2) == 0)
        {
            var objects = new JsonArray();
            var count = _random.Next(0, 4);
            for (var i = 0; i < count; i++)
            {
                var element = new JsonObject();
                if (_random.Next(3) != 0) element["x"] = ScalarNode("x");
                if (_random.Next(3) != 0) element["y"] = ScalarNode("y");
                objects.Add(element);
            }
            Set(root, "detail.items", objects);
        }
        if (_random.Next(4) == 0) root["detail.state"] = ScalarNode("detail.state"); // a dotted name at the top
        return root;
    }

    public JsonObject Pattern()
    {
        var root = new JsonObject();
        var fields = _random.Next(1, 4);
        for (var i = 0; i < fields; i++)
        {
            var path = _random.Next(5) == 0 ? (_random.Next(2) == 0 ? "detail.items.x" : "detail.items.y") : ScalarPaths[_random.Next(ScalarPaths.Length)];
            Set(root, path, Tests(path));
        }
        if (_random.Next(4) == 0)
        {
            var alternatives = new JsonArray();
            for (var i = 0; i < 2; i++)
            {
                var alt = new JsonObject();
                var path = ScalarPaths[_random.Next(ScalarPaths.Length)];
                Set(alt, path, Tests(path));
                alternatives.Add(alt);
            }
            root["$or"] = alternatives;
        }
        return root;
    }

    private JsonArray Tests(string path)
    {
        var tests = new JsonArray();
        var count = _random.Next(1, 4);
        for (var i = 0; i < count; i++) tests.Add(Test(path));
        return tests;
    }

    private JsonNode? Test(string path)
    {
        var s = Strings[_random.Next(Strings.Length)];
        var nonEmpty = s.Length == 0 ? "a" : s;
        switch (_random.Next(20))
        {
            case 0: return JsonValue.Create(s);
            case 1: return JsonNode.Parse(Numbers[_random.Next(Numbers.Length)]);
            case 2: return _random.Next(3) switch { 0 => JsonValue.Create(true), 1 => JsonValue.Create(false), _ => null };
            case 3: return Op("prefix", s[..(_random.Next(s.Length + 1))]);
            case 4: return Op("suffix", s[(_random.Next(s.Length + 1))..]);
            case 5: return Op("equals-ignore-case", s);
            case 6: return Op(_random.Next(2) == 0 ? "prefix" : "suffix", new JsonObject { ["equals-ignore-case"] = s.ToUpperInvariant()[..Math.Min(2, s.Length)] });
            case 7: return Op("wildcard", WildcardFrom(s));
            case 8: return Op("exists", _random.Next(2) == 0);
            case 9: return Op("numeric", Range());
            case 10: return Op("cidr", _random.Next(3) switch { 0 => "10.0.0.0/24", 1 => "10.0.0.0/8", _ => "2001:db8::/32" });
            case 11: return Op("anything-but", s);
            case 12: return Op("anything-but", new JsonArray(JsonValue.Create(s), JsonValue.Create(Strings[_random.Next(Strings.Length)])));
            case 13: return Op("anything-but", JsonNode.Parse(Numbers[_random.Next(8)]));
            case 14: return Op("anything-but", new JsonObject { ["prefix"] = nonEmpty[..Math.Max(1, _random.Next(nonEmpty.Length + 1))] });
            case 15: return Op("anything-but", new JsonObject { ["suffix"] = new JsonArray(JsonValue.Create(nonEmpty[^1..]), JsonValue.Create("x")) });
            case 16: return Op("anything-but", new JsonObject { ["equals-ignore-case"] = s.ToUpperInvariant() });
            case 17: return Op("anything-but", new JsonObject { ["wildcard"] = WildcardFrom(s) });
            case 18: return Op("numeric", new JsonArray("=", JsonNode.Parse(Numbers[_random.Next(8)])));
            default: return JsonValue.Create(s.ToUpperInvariant());
        }
    }

    private JsonArray Range()
    {
        var a = double.Parse(Numbers[_random.Next(8)], CultureInfo.InvariantCulture);
        var b = double.Parse(Numbers[_random.Next(8)], CultureInfo.InvariantCulture);
        var (low, high) = a < b ? (a, b) : (b, a);
        return _random.Next(3) switch
        {
            0 => new JsonArray(_random.Next(2) == 0 ? ">" : ">=", low),
            1 => new JsonArray(_random.Next(2) == 0 ? "<" : "<=", high),
            _ => low < high ? new JsonArray(">", low, "<=", high) : new JsonArray(">=", low),
        };
    }

    private string WildcardFrom(string s)
    {
        if (s.Length < 2) return s + "*";
        var cut = _random.Next(1, s.Length);
        return _random.Next(3) switch { 0 => s[..cut] + "*", 1 => "*" + s[cut..], _ => s[..(cut - 1)] + "*" + s[cut..] };
    }

    private JsonNode? ScalarNode(string path)
    {
        return _random.Next(10) switch
        {
            < 5 => JsonValue.Create(Strings[_random.Next(Strings.Length)]),
            < 8 => JsonNode.Parse(Numbers[_random.Next(Numbers.Length)]),
            8 => JsonValue.Create(_random.Next(2) == 0),
            _ => null,
        };
    }

    private static JsonObject Op(string name, JsonNode? value) => new() { [name] = value };

    private static void Set(JsonObject root, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (node[parts[i]] is not JsonObject child)
            {
                child = new JsonObject();
                node[parts[i]] = child;
            }
            node = child;
        }
        node[parts[^1]] = value;
    }
}
