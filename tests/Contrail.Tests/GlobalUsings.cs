global using System.Net;
global using System.Net.Http.Json;
global using System.Text.Json.Nodes;
global using Contrail.Tests.Infrastructure;
global using Xunit;
global using Microsoft.AspNetCore.Builder;
global using Microsoft.Extensions.DependencyInjection;
[assembly: AssemblyFixture(typeof(Contrail.Tests.PostgresClusterLifetime))]
