using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Contrail.Patterns;

namespace Contrail.Benchmarks;

/// <summary>
/// Event-pattern matching throughput on a realistic ~1 KB EventBridge event (a <c>detail</c> object with a dozen
/// fields, some nested, some arrays). Each benchmark matches one event against one matcher; events/s = 1 / mean.
/// Matchers: 5 rules of one operator kind; 5 rules of every kind together (45 rules); 10,000 exact and 10,000 prefix
/// rules. Run: <c>dotnet run -c Release --project bench/Contrail.Benchmarks -- --filter *MatchBenchmarks* --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class MatchBenchmarks
{
    private static readonly byte[] Event = Encoding.UTF8.GetBytes("""
        {
          "version": "0",
          "id": "7bf73129-1428-4cd3-a780-95db273d1602",
          "detail-type": "Order Placed",
          "source": "com.flightpulse.orders",
          "account": "123456789012",
          "time": "2026-11-21T18:43:48Z",
          "region": "eu-west-1",
          "resources": ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders", "arn:aws:s3:::receipts-bucket/2026/11/21/order-88412.pdf"],
          "detail": {
            "orderId": "order-88412-eu",
            "status": "PLACED",
            "channel": "mobile",
            "amount": 249.99,
            "currency": "EUR",
            "items": 3,
            "customer": { "id": "cust-5521", "tier": "gold", "country": "IE", "email": "someone@example.com" },
            "shipping": { "method": "express", "address": { "city": "Dublin", "postcode": "D02 X285" } },
            "sourceIPAddress": "10.20.30.40",
            "tags": ["priority", "gift", "eu"],
            "fileName": "receipts/2026/11/order-88412.pdf",
            "flags": { "fraudCheck": true, "manualReview": false },
            "note": null
          }
        }
        """);

    private JsonElement _eventElement;
    private Matcher<int> _exact5 = Matcher<int>.Empty;
    private Matcher<int> _prefix5 = Matcher<int>.Empty;
    private Matcher<int> _numeric5 = Matcher<int>.Empty;
    private Matcher<int> _anythingBut5 = Matcher<int>.Empty;
    private Matcher<int> _allKinds5 = Matcher<int>.Empty;
    private Matcher<int> _exact10K = Matcher<int>.Empty;
    private Matcher<int> _prefix10K = Matcher<int>.Empty;
    private readonly List<int> _matches = new(64);

    [GlobalSetup]
    public void Setup()
    {
        _eventElement = JsonDocument.Parse(Event).RootElement.Clone();
        var exact = Five(i => $$$"""{"source":["com.flightpulse.{{{(i == 0 ? "orders" : "svc" + i)}}}"],"detail-type":["Order Placed"]}""");
        var prefix = Five(i => $$$"""{"detail":{"orderId":[{"prefix":"order-{{{(i == 0 ? "88" : i.ToString())}}}"}]}}""");
        var numeric = Five(i => $$$"""{"detail":{"amount":[{"numeric":[">",{{{i * 100}}},"<=",{{{i * 100 + 150}}}]}]}}""");
        var anythingBut = Five(i => $$$"""{"detail":{"status":[{"anything-but":["CANCELLED{{{i}}}","FAILED"]}]}}""");
        var suffix = Five(i => $$$"""{"detail":{"fileName":[{"suffix":".{{{(i == 0 ? "pdf" : "x" + i)}}}"}]}}""");
        var ignoreCase = Five(i => $$$"""{"detail":{"status":[{"equals-ignore-case":"placed{{{(i == 0 ? "" : i.ToString())}}}"}]}}""");
        var wildcard = Five(i => $$$"""{"resources":[{"wildcard":"arn:aws:s3:::receipts-bucket/*/order-{{{(i == 0 ? 88 : i)}}}*.pdf"}]}""");
        var exists = Five(i => $$$$"""{"detail":{"customer":{"tier":[{"exists":true}]},"flags":{"f{{{{i}}}}":[{"exists":false}]}}}""");
        var cidr = Five(i => $$$"""{"detail":{"sourceIPAddress":[{"cidr":"10.{{{i * 20}}}.0.0/16"}]}}""");

        _exact5 = Build(exact);
        _prefix5 = Build(prefix);
        _numeric5 = Build(numeric);
        _anythingBut5 = Build(anythingBut);
        _allKinds5 = Build([.. exact, .. prefix, .. numeric, .. anythingBut, .. suffix, .. ignoreCase, .. wildcard, .. exists, .. cidr]);

        var exact10K = new List<CompiledPattern>();
        var prefix10K = new List<CompiledPattern>();
        for (var i = 0; i < 10_000; i++)
        {
            var source = i == 4242 ? "orders" : "svc" + i;
            exact10K.Add(PatternCompiler.Compile($$$"""{"source":["com.flightpulse.{{{source}}}"],"detail-type":["Order Placed"]}"""));
            prefix10K.Add(PatternCompiler.Compile($$$"""{"detail":{"orderId":[{"prefix":"order-{{{(i == 4242 ? "88412" : i.ToString())}}}-"}]}}"""));
        }
        _exact10K = Build(exact10K);
        _prefix10K = Build(prefix10K);

        // Every matcher must find its matches, or the figures would measure a shortcut.
        foreach (var (name, matcher, expected) in new[]
                 {
                     ("exact5", _exact5, 1), ("prefix5", _prefix5, 1), ("numeric5", _numeric5, 2), ("anythingBut5", _anythingBut5, 5),
                     ("allKinds5", _allKinds5, 1 + 1 + 2 + 5 + 1 + 1 + 1 + 5 + 1), ("exact10K", _exact10K, 1), ("prefix10K", _prefix10K, 1),
                 })
        {
            _matches.Clear();
            matcher.Match(Event, _matches);
            if (_matches.Count != expected) throw new InvalidOperationException($"{name}: {_matches.Count} matches, expected {expected}");
        }
    }

    [Benchmark(Baseline = true)]
    public int Exact_5_rules() => Run(_exact5);

    [Benchmark]
    public int Exact_5_rules_from_JsonElement()
    {
        _matches.Clear();
        _exact5.Match(_eventElement, _matches);
        return _matches.Count;
    }

    [Benchmark]
    public int Prefix_5_rules() => Run(_prefix5);

    [Benchmark]
    public int Numeric_5_rules() => Run(_numeric5);

    [Benchmark]
    public int AnythingBut_5_rules() => Run(_anythingBut5);

    [Benchmark]
    public int All_kinds_5_rules_each() => Run(_allKinds5);

    [Benchmark]
    public int Exact_10000_rules() => Run(_exact10K);

    [Benchmark]
    public int Prefix_10000_rules() => Run(_prefix10K);

    private int Run(Matcher<int> matcher)
    {
        _matches.Clear();
        matcher.Match(Event, _matches);
        return _matches.Count;
    }

    private static List<CompiledPattern> Five(Func<int, string> pattern) =>
        Enumerable.Range(0, 5).Select(i => PatternCompiler.Compile(pattern(i))).ToList();

    private static Matcher<int> Build(List<CompiledPattern> patterns)
    {
        var builder = new MatcherBuilder<int>();
        for (var i = 0; i < patterns.Count; i++) builder.Add(i, patterns[i]);
        return builder.Build();
    }
}
