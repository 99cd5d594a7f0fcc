using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ImageJobs.Client;

/// <summary>
/// The producer's HTTP API, typed: uploads, manifest submissions (with an idempotency key),
/// progress, failures (every page), requeue and the results zip. A refusal or error is an
/// <see cref="ImageJobsApiException"/> with what the producer said.
/// </summary>
public sealed class ImageJobsClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    /// <summary>An HttpClient for the producer at <paramref name="baseUrl"/>, sending <paramref name="key"/> as a bearer token when given.</summary>
    public static HttpClient CreateHttpClient(Uri baseUrl, string? key, HttpMessageHandler? handler = null)
    {
        var client = handler is null ? new HttpClient() : new HttpClient(handler);
        client.BaseAddress = baseUrl;
        client.Timeout = TimeSpan.FromMinutes(30);
        if (!string.IsNullOrEmpty(key))
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>Uploads <paramref name="files"/> (path and name under the prefix) into the sources container under <paramref name="prefix"/>.</summary>
    public async Task<UploadResult> UploadAsync(string prefix, IReadOnlyList<(string Path, string Name)> files, CancellationToken cancellationToken)
    {
        using var content = new MultipartFormDataContent();
        var streams = new List<Stream>();
        try
        {
            foreach (var (path, name) in files)
            {
                var stream = File.OpenRead(path);
                streams.Add(stream);
                content.Add(new StreamContent(stream), "files", name);
            }

            using var response = await http.PostAsync($"api/sources?prefix={Uri.EscapeDataString(prefix)}", content, cancellationToken);
            return await ReadAsync<UploadResult>(response, cancellationToken);
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    /// <summary>Submits a CSV or JSON Lines manifest; the same <paramref name="idempotencyKey"/> and manifest name the same batch.</summary>
    public async Task<SubmittedBatch> SubmitManifestAsync(string manifestPath, string idempotencyKey, CancellationToken cancellationToken, string? templateName = null)
    {
        using var content = new MultipartFormDataContent();
        await using var manifest = File.OpenRead(manifestPath);
        content.Add(new StreamContent(manifest), "manifest", Path.GetFileName(manifestPath));
        if (templateName is not null)
        {
            // The stored template's newest version; each row's columns fill its placeholders.
            content.Add(new StringContent(templateName), "templateName");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "api/batches/manifest") { Content = content };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await http.SendAsync(request, cancellationToken);
        return await ReadAsync<SubmittedBatch>(response, cancellationToken);
    }

    public async Task<BatchProgressView> GetBatchAsync(string batchId, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"api/batches/{Uri.EscapeDataString(batchId)}", cancellationToken);
        return await ReadAsync<BatchProgressView>(response, cancellationToken);
    }

    /// <summary>Every failed job of the batch, reading page after page.</summary>
    public Task<IReadOnlyList<FailureView>> GetFailuresAsync(string batchId, CancellationToken cancellationToken) =>
        ReadAllPagesAsync<FailureView>($"api/batches/{Uri.EscapeDataString(batchId)}/failures", cancellationToken);

    /// <summary>Every stored template's newest version, by name.</summary>
    public Task<IReadOnlyList<TemplateView>> ListTemplatesAsync(CancellationToken cancellationToken) =>
        ReadAllPagesAsync<TemplateView>("api/templates", cancellationToken);

    /// <summary>A paged list, whole: each response's Continuation-Token header, sent back as ?continuation=, gives the next page.</summary>
    private async Task<IReadOnlyList<T>> ReadAllPagesAsync<T>(string path, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? continuation = null;
        do
        {
            using var response = await http.GetAsync(path + (continuation is null ? "" : $"?continuation={Uri.EscapeDataString(continuation)}"), cancellationToken);
            items.AddRange(await ReadAsync<List<T>>(response, cancellationToken));
            continuation = response.Headers.TryGetValues("Continuation-Token", out var next) ? next.FirstOrDefault() : null;
        }
        while (continuation is not null);
        return items;
    }

    /// <summary>Sends the batch's dead-lettered jobs (those named, or all) back to work.</summary>
    public async Task<RequeueResult> RequeueAsync(string batchId, IReadOnlyList<string>? jobIds, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync($"api/batches/{Uri.EscapeDataString(batchId)}/requeue", new { jobIds }, Json, cancellationToken);
        return await ReadAsync<RequeueResult>(response, cancellationToken);
    }

    /// <summary>Pauses, resumes or cancels the batch (<paramref name="action"/>: <c>pause</c>, <c>resume</c>, <c>cancel</c>); its status after.</summary>
    public async Task<BatchProgressView> ControlAsync(string batchId, string action, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync($"api/batches/{Uri.EscapeDataString(batchId)}/{Uri.EscapeDataString(action)}", null, cancellationToken);
        return await ReadAsync<BatchProgressView>(response, cancellationToken);
    }

    /// <summary>Writes every result of the batch, as one zip, to <paramref name="destination"/>.</summary>
    public async Task DownloadResultsAsync(string batchId, Stream destination, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"api/batches/{Uri.EscapeDataString(batchId)}/results.zip", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        await response.Content.CopyToAsync(destination, cancellationToken);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new ImageJobsApiException((int)response.StatusCode, "The producer answered with an empty body.", new Dictionary<string, string[]>());
    }

    /// <summary>Throws with the producer's problem details (title and errors by field) unless it answered 2xx.</summary>
    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var (title, errors, code) = ($"The producer answered {status} {response.ReasonPhrase}.", new Dictionary<string, string[]>(), (string?)null);
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (problem.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (problem.RootElement.TryGetProperty("title", out var t) && t.GetString() is { } text)
                {
                    title = $"{text} ({status})";
                }

                if (problem.RootElement.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String)
                {
                    code = c.GetString();
                }

                if (problem.RootElement.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Object)
                {
                    errors = e.Deserialize<Dictionary<string, string[]>>(Json) ?? errors;
                }
            }
        }
        catch (JsonException)
        {
            // Not problem details: the status says enough.
        }

        throw new ImageJobsApiException(status, title, errors, code);
    }
}
