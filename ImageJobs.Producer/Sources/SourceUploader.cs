using System.IO.Compression;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ImageJobs.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ImageJobs.Producer.Sources;

public sealed record UploadedSource(string Name, long Bytes);

public sealed record RejectedSource(string Name, string Reason);

/// <summary>What an upload stored, and what it refused and why.</summary>
public sealed record UploadResult(IReadOnlyList<UploadedSource> Uploaded, IReadOnlyList<RejectedSource> Rejected);

/// <summary>
/// Stores uploaded images in the sources container, streaming each multipart section to its blob
/// (nothing is buffered whole in memory). A zip is spooled to a temporary file, its directory is
/// checked whole (names, entry count, sizes) before any entry is stored, and each entry is read
/// through a limit, since a zip's declared sizes may lie.
/// </summary>
public sealed partial class SourceUploader(
    BlobServiceClient blobs,
    IOptions<StorageOptions> storage,
    IOptions<UploadLimits> limits,
    ILogger<SourceUploader> logger)
{
    private BlobContainerClient Sources => blobs.GetBlobContainerClient(storage.Value.SourcesContainer);

    /// <param name="spool">The temporary disk this upload may use for a zip (reserved by the caller from <see cref="SpoolBudget"/>).</param>
    public async Task<UploadResult> UploadAsync(string boundary, Stream body, string prefix, long spool, CancellationToken cancellationToken)
    {
        var uploaded = new List<UploadedSource>();
        var rejected = new List<RejectedSource>();
        var reader = new MultipartReader(boundary, body) { BodyLengthLimit = null };
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
            {
                continue;
            }

            var fileName = SourceNames.FileName(disposition.FileName.Value ?? disposition.FileNameStar.Value ?? string.Empty);
            if (uploaded.Count + rejected.Count >= limits.Value.MaxFiles)
            {
                rejected.Add(new RejectedSource(fileName, $"more than {limits.Value.MaxFiles:N0} files in one upload"));
                break;
            }

            if (fileName.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                await UploadZipAsync(fileName, section.Body, prefix, spool, uploaded, rejected, cancellationToken);
                continue;
            }

            if ((SourceNames.CheckPath(fileName) ?? SourceNames.CheckImage(fileName)) is { } problem)
            {
                rejected.Add(new RejectedSource(fileName, problem));
                continue;
            }

            await StoreAsync(prefix + fileName, section.Body, uploaded, rejected, cancellationToken);
        }

        LogUploaded(logger, uploaded.Count, rejected.Count, prefix);
        return new UploadResult(uploaded, rejected);
    }

    private async Task UploadZipAsync(string zipName, Stream body, string prefix, long spoolBytes, List<UploadedSource> uploaded, List<RejectedSource> rejected, CancellationToken cancellationToken)
    {
        var spool = Path.Combine(Path.GetTempPath(), $"imagejobs-upload-{Guid.NewGuid():N}.zip");
        await using var file = new FileStream(spool, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await new LimitedReadStream(body, Math.Min(limits.Value.MaxZipBytes, spoolBytes)).CopyToAsync(file, cancellationToken);
        }
        catch (UploadTooLargeException ex)
        {
            rejected.Add(new RejectedSource(zipName, "the zip is " + ex.Message));
            return;
        }

        // Counted before ZipArchive lists the entries, which it does whole, allocating for each.
        var filesLeft = limits.Value.MaxFiles - uploaded.Count - rejected.Count;
        if (ZipDirectory.Check(file, MaxZipRecords(filesLeft), limits.Value.MaxZipDirectoryBytes) is { } refused)
        {
            rejected.Add(new RejectedSource(zipName, $"the zip has {refused}"));
            return;
        }

        file.Position = 0;
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException)
        {
            rejected.Add(new RejectedSource(zipName, "not a valid zip file"));
            return;
        }

        using (zip)
        {
            var entries = zip.Entries.Where(e => !e.FullName.EndsWith('/') && !SourceNames.IsZipNoise(e.FullName)).ToList();
            var problems = ZipPlan.Check(entries.Select(e => new ZipEntryInfo(e.FullName, e.Length)).ToList(), uploaded.Count + rejected.Count, limits.Value);
            if (problems.Count > 0)
            {
                rejected.AddRange(problems.Select(p => new RejectedSource($"{zipName}:{p.Name}", p.Reason)));
                return;
            }

            foreach (var entry in entries)
            {
                await using var content = entry.Open();
                await StoreAsync(prefix + entry.FullName, content, uploaded, rejected, cancellationToken);
            }
        }
    }

    /// <summary>Directory records a zip may hold: its files, and as many again for folders and zip tools' extras.</summary>
    private static int MaxZipRecords(int filesLeft) => (int)Math.Min(int.MaxValue, 2L * Math.Max(filesLeft, 0));

    private async Task StoreAsync(string name, Stream content, List<UploadedSource> uploaded, List<RejectedSource> rejected, CancellationToken cancellationToken)
    {
        var limited = new LimitedReadStream(content, limits.Value.MaxFileBytes);
        try
        {
            await Sources.GetBlobClient(name).UploadAsync(limited, new BlobUploadOptions
            {
                // By the (checked) extension, never the part's Content-Type: that is the client's word.
                HttpHeaders = new BlobHttpHeaders { ContentType = SourceNames.ContentTypeOf(name) },
            }, cancellationToken);
            uploaded.Add(new UploadedSource(name, limited.BytesRead));
        }
        catch (UploadTooLargeException ex)
        {
            // The block blob was never committed: nothing of it is left in the container.
            rejected.Add(new RejectedSource(name, "the file is " + ex.Message));
        }
        catch (RequestFailedException ex) when (ex.Status is >= 400 and < 500)
        {
            // Storage refused this blob (two uploads of one name at once make its block list invalid): this file, not the request.
            rejected.Add(new RejectedSource(name, $"blob storage refused it ({ex.ErrorCode ?? ex.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)}); try again"));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload under '{Prefix}': {Uploaded} sources stored, {Rejected} refused")]
    private static partial void LogUploaded(ILogger logger, int uploaded, int rejected, string prefix);
}

public sealed record ZipEntryInfo(string Name, long Length);

/// <summary>Pure checks of a zip's directory, before any entry is read.</summary>
public static class ZipPlan
{
    public static IReadOnlyList<RejectedSource> Check(IReadOnlyList<ZipEntryInfo> entries, int filesSoFar, UploadLimits limits)
    {
        var problems = new List<RejectedSource>();
        if (filesSoFar + entries.Count > limits.MaxFiles)
        {
            problems.Add(new RejectedSource("*", $"{entries.Count:N0} entries: more than {limits.MaxFiles:N0} files in one upload"));
        }

        long total = 0;
        foreach (var entry in entries)
        {
            total += entry.Length;
            if ((SourceNames.CheckPath(entry.Name) ?? SourceNames.CheckImage(entry.Name)) is { } problem)
            {
                problems.Add(new RejectedSource(entry.Name, problem));
            }
            else if (entry.Length > limits.MaxFileBytes)
            {
                problems.Add(new RejectedSource(entry.Name, $"{entry.Length:N0} bytes uncompressed, more than {limits.MaxFileBytes:N0}"));
            }
        }

        if (total > limits.MaxZipUncompressedBytes)
        {
            problems.Add(new RejectedSource("*", $"{total:N0} bytes uncompressed in all, more than {limits.MaxZipUncompressedBytes:N0}"));
        }

        return problems;
    }
}
