global using Xunit;
[assembly: AssemblyFixture(typeof(Contrail.Tests.PostgresClusterLifetime))]
