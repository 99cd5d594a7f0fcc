using Azure.Data.Tables;
using ImageJobs.AppHost.Infrastructure;
using ImageJobs.Tests.Support;

namespace ImageJobs.Tests.Integration;

/// <summary>
/// Stopping the AppHost (or a test's outage) stops Azurite through supervise.sh. Its table service
/// keeps rows in memory and saves them every few seconds and on SIGINT, not on SIGTERM: a row it
/// acknowledged just before a stop must still be there after a restart.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AzuriteStopTests
{
    [Fact]
    public async Task A_row_the_table_service_acknowledged_survives_a_supervised_stop()
    {
        using var data = new ScratchDirectory("imagejobs-azurite-stop");
        var port = LoopbackPorts.Next();
        var connection = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Azurite.AccountKey};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
        var service = new TableServiceClient(connection);
        var table = service.GetTableClient("stops");

        using (var first = LocalInfrastructure.StartAzurite(AzuriteService.Table, port, data.Path))
        {
            await WaitForTablesAsync(service);
            await table.CreateIfNotExistsAsync();
            // Acknowledged, then the service is told to stop at once: well inside its autosave interval.
            await table.AddEntityAsync(new TableEntity("batch", "job-1") { ["State"] = "Succeeded" });
            Processes.Signal(first.Id, Processes.SigTerm);
            Assert.True(first.WaitForExit(TimeSpan.FromSeconds(30)), "supervise.sh did not stop Azurite");
        }

        using var second = LocalInfrastructure.StartAzurite(AzuriteService.Table, port, data.Path);
        try
        {
            await WaitForTablesAsync(service);
            var row = await table.GetEntityIfExistsAsync<TableEntity>("batch", "job-1");
            Assert.True(row.HasValue, "the acknowledged row was lost in the stop");
            Assert.Equal("Succeeded", row.Value!.GetString("State"));
        }
        finally
        {
            Processes.Signal(second.Id, Processes.SigTerm);
            second.WaitForExit(TimeSpan.FromSeconds(30));
        }
    }

    private static async Task WaitForTablesAsync(TableServiceClient service)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await service.GetPropertiesAsync();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
