using Contrail.Archives;
using Contrail.Bus;
using Contrail.Queues;

namespace Contrail.Hosting;

/// <summary>
/// What applications declare at start-up: the queues they need, the rules they route with, the archives
/// they keep and the workflows they run. Declared queues are created when missing (an operator's later changes to their attributes are
/// kept); declared rules and archives are written as the application defines them, show in the API with
/// origin "application", and are read-only there.
/// </summary>
public sealed class Declarations
{
    public List<(string Name, QueueAttributes Attributes)> Queues { get; } = [];

    public List<Rule> Rules { get; } = [];

    /// <summary>State machines (ASL definitions) the application runs, by name; created or updated at start-up.</summary>
    public List<(string Name, string Definition)> StateMachines { get; } = [];
    public List<(string Name, Archive Archive)> Archives { get; } = [];
}
