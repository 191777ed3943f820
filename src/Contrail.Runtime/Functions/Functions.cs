using System.Text.Json.Nodes;
using Contrail.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Contrail.Functions;

/// <summary>
/// What a function is called with: its input (a Lambda event, for workflow tasks) and a stable
/// idempotency key. A function may run again after a crash; the key is the same every time, so an
/// effect keyed by it happens once.
/// </summary>
public sealed class FunctionContext
{
    public required string FunctionName { get; init; }
    public required JsonNode? Input { get; init; }
    public required string IdempotencyKey { get; init; }
    public required IServiceProvider Services { get; init; }
    public string? Traceparent { get; init; }
}

/// <summary>A function that may call the outside world (an LLM, SMTP, a webhook). At-least-once: use the idempotency key.</summary>
public delegate ValueTask<JsonNode?> AsyncFunction(FunctionContext context, CancellationToken ct);

/// <summary>
/// A function whose only effects are in the store. It runs inside the transaction that records its
/// result, so its effects happen exactly once, however often the caller retries or crashes.
/// </summary>
public delegate JsonNode? TransactionalFunction(StoreWriter writer, FunctionContext context);

/// <summary>A C# function registered by name: the target of workflow Task states and queue consumers. Exactly one delegate is set.</summary>
public sealed record FunctionDefinition(string Name, AsyncFunction? Async, TransactionalFunction? Transactional);

/// <summary>
/// Fails a function with an error name that workflows can Retry or Catch (as a Lambda function's
/// errorType), and a cause.
/// </summary>
public sealed class FunctionException(string error, string? cause = null) : Exception(cause ?? error)
{
    public string Error { get; } = error;
    public string? Cause { get; } = cause;
}

/// <summary>The functions registered by the applications, by name.</summary>
public sealed class FunctionRegistry
{
    private readonly Dictionary<string, FunctionDefinition> _functions;

    public FunctionRegistry(IEnumerable<FunctionDefinition> functions)
    {
        _functions = new Dictionary<string, FunctionDefinition>(StringComparer.Ordinal);
        foreach (var function in functions)
            if (!_functions.TryAdd(function.Name, function))
                throw new InvalidOperationException($"Function '{function.Name}' is registered twice");
    }

    public IReadOnlyCollection<string> Names => _functions.Keys;

    public bool TryGet(string name, out FunctionDefinition function) => _functions.TryGetValue(name, out function!);
}

public static class FunctionServiceCollectionExtensions
{
    public static IServiceCollection AddFunction(this IServiceCollection services, string name, AsyncFunction function) =>
        services.AddSingleton(new FunctionDefinition(name, function, null));

    public static IServiceCollection AddTransactionalFunction(this IServiceCollection services, string name, TransactionalFunction function) =>
        services.AddSingleton(new FunctionDefinition(name, null, function));
}
