using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Contrail.Cli;
using Contrail.Functions;
using Contrail.Hosting;
using Contrail.Records;

// contrail, plus what the workflow crash test runs: a Map whose items call the outside world (an async function that
// POSTs to the test's listener with the task's idempotency key) and record an effect in the store (a transactional
// function that counts its applications per item, so a second application would show as a count of 2).
return await ContrailCli.RunAsync(args, services =>
{
    var effects = new RecordCollection("crash_effects");
    var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    services.AddFunction("crash-call", async (context, ct) =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, (string)context.Input!["webhook"]!)
        {
            Content = JsonContent.Create(new { item = (int)context.Input["item"]! }),
        };
        request.Headers.Add("Idempotency-Key", context.IdempotencyKey);
        using var response = await http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        return new JsonObject { ["called"] = true };
    });
    services.AddTransactionalFunction("crash-effect", (writer, context) =>
    {
        var item = ((int)context.Input!["item"]!).ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The record's version counts its writes: 1 after the first application.
        var write = writer.RecordUpdate(effects, item, old => new JsonObject { ["applied"] = ((int?)old?["applied"] ?? 0) + 1 });
        return new JsonObject { ["item"] = (int)context.Input["item"]!, ["count"] = write.Version };
    });
    services.AddStateMachine("crash-map", """
        {
          "StartAt": "Each",
          "States": {
            "Each": {
              "Type": "Map", "MaxConcurrency": 4, "ItemsPath": "$.items",
              "ItemSelector": { "item.$": "$$.Map.Item.Value", "webhook.$": "$.webhook" },
              "ItemProcessor": {
                "StartAt": "Call",
                "States": {
                  "Call": { "Type": "Task", "Resource": "contrail:function:crash-call", "ResultPath": "$.call", "Next": "Effect" },
                  "Effect": { "Type": "Task", "Resource": "contrail:function:crash-effect", "End": true }
                }
              },
              "End": true
            }
          }
        }
        """);
});
