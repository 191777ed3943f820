using Contrail.Cli;

return await ContrailCli.RunAsync(args);

/// <summary>Declared so that tests can reference the entry assembly.</summary>
public partial class Program;
