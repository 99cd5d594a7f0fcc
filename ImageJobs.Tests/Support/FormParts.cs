using System.Net.Http.Headers;

namespace ImageJobs.Tests.Support;

public static class FormParts
{
    /// <summary>A multipart file part, as a browser sends one: its field, file name and (client-given) content type.</summary>
    public static ByteArrayContent File(string name, byte[] bytes, string field = "files", string contentType = "application/octet-stream")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = field, FileName = name };
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }
}
