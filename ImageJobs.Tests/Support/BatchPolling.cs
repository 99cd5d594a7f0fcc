using System.Net.Http.Json;
using ImageJobs.Producer.Batches;

namespace ImageJobs.Tests.Support;

/// <summary>Reads a batch's status through the producer's API until a condition holds (or the timeout, 30 s unless given, passes: the caller asserts).</summary>
public static class BatchPolling
{
    public static async Task<BatchStatus> WaitForAsync(HttpClient http, string batchId, Func<BatchStatus, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var status = (await http.GetFromJsonAsync<BatchStatus>($"/api/batches/{batchId}"))!;
            if (condition(status) || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(100);
        }
    }
}
