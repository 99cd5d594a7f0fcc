using System.Collections.Frozen;

namespace ImageJobs.Contracts;

/// <summary>One failure a job can end with: its stable code, what it means, and whether trying again can help.</summary>
public sealed record ErrorCode(string Code, string Meaning, bool Permanent);

/// <summary>
/// Every code a job's failure can carry, in one catalogue: workers, the producer, the API and the
/// page all speak these. Codes are part of the contract: add new ones, never rename one.
/// </summary>
public static class ErrorCodes
{
    public const string EmptySource = "source.empty";
    public const string SourceTooLarge = "source.too_large";
    public const string SourceNotFound = "source.not_found";
    public const string InvalidSourceName = "source.invalid_name";
    public const string InvalidResultName = "result.invalid_name";
    public const string TooManyPixels = "image.too_many_pixels";
    public const string UnsupportedFormat = "image.unsupported_format";
    public const string NotAnImage = "image.not_an_image";
    public const string CorruptImage = "image.corrupt";
    public const string TruncatedImage = "image.truncated";
    public const string TextTooLong = "text.too_long";
    public const string TextOverflow = "text.overflow";
    public const string MissingGlyph = "text.missing_glyph";
    public const string InvalidStyle = "style.invalid";
    public const string InvalidTemplate = "template.invalid";
    public const string PathUnavailable = "output.path_unavailable";
    public const string TemplateImageMissing = "template.image_missing";
    public const string TemplateNotFound = "template.not_found";
    public const string InvalidCode = "code.invalid";
    public const string CodeTooSmall = "code.too_small";
    public const string FontMissing = "font.missing";
    public const string InvalidFont = "font.invalid";
    public const string MalformedMessage = "message.malformed";
    public const string UnsupportedSchema = "message.unsupported_schema";
    public const string Timeout = "job.timeout";
    public const string StorageUnavailable = "storage.unavailable";
    public const string UnexpectedError = "job.unexpected_error";
    public const string RetriesExhausted = "job.retries_exhausted";
    public const string DeliveryLimit = "job.delivery_limit";
    public const string DeadLettered = "job.dead_lettered";
    public const string Lost = "job.lost";

    private static readonly FrozenDictionary<string, ErrorCode> Catalogue = new ErrorCode[]
    {
        new(EmptySource, "The source image has no bytes.", Permanent: true),
        new(SourceTooLarge, "The source image is larger than the byte limit.", Permanent: true),
        new(SourceNotFound, "The source image does not exist in the sources container.", Permanent: true),
        new(InvalidSourceName, "The job's source, or a picture its template names, is not a plain blob name in the sources container ('..', '.', a leading '/', '\\', a control character, too long).", Permanent: true),
        new(InvalidResultName, "The job's result is not a plain blob name under its batch's folder in the results container.", Permanent: true),
        new(TooManyPixels, "The image header declares more pixels than the limit (checked before decoding).", Permanent: true),
        new(UnsupportedFormat, "An image format that is not on the allow-list (JPEG, PNG, WebP, GIF, BMP).", Permanent: true),
        new(NotAnImage, "The bytes are not an image at all.", Permanent: true),
        new(CorruptImage, "The image data is damaged.", Permanent: true),
        new(TruncatedImage, "The image data ends before the image does.", Permanent: true),
        new(TextTooLong, "The caption is longer than the text limit.", Permanent: true),
        new(TextOverflow, "The text does not fit its box at the smallest size, and its overflow policy is Fail.", Permanent: true),
        new(MissingGlyph, "The text holds a character that no available font has a glyph for: it would be drawn as an empty box.", Permanent: true),
        new(InvalidStyle, "A style value is out of range or unknown.", Permanent: true),
        new(PathUnavailable, "The style forces the Blocks path (output.path), and this source or output cannot take it; the message says why.", Permanent: true),
        new(InvalidTemplate, "A template's layer is invalid (out of range, unknown, or bad rich-text markup); the message names it by path.", Permanent: true),
        new(TemplateImageMissing, "A template's image layer names a picture that was not found.", Permanent: true),
        new(TemplateNotFound, "A layered job's batch has no stored template (the batch was deleted, or the job outlived it).", Permanent: true),
        new(InvalidCode, "A QR code or barcode value cannot be encoded (a wrong check digit, a character the symbology lacks, too long).", Permanent: true),
        new(CodeTooSmall, "A QR code or barcode box is too small for one pixel per module on this image.", Permanent: true),
        new(FontMissing, "A text names a font family that is neither bundled nor uploaded, or an uploaded font it needs was deleted from the fonts container.", Permanent: true),
        new(InvalidFont, "A font's bytes are not a TrueType or OpenType font with glyphs, or are larger than the font size limit.", Permanent: true),
        new(MalformedMessage, "The job message is not valid JSON for a job, or lacks required fields.", Permanent: true),
        new(UnsupportedSchema, "The job message has a schema version this worker does not read.", Permanent: true),
        new(Timeout, "The job ran past its time limit; it is tried again.", Permanent: false),
        new(StorageUnavailable, "Blob storage or the network failed; the job is tried again after a delay.", Permanent: false),
        new(UnexpectedError, "The worker met an error it does not recognise (a defect, or a fault of its machine); the job is tried again after a delay.", Permanent: false),
        new(RetriesExhausted, "The job failed transiently on every one of its retries.", Permanent: true),
        new(DeliveryLimit, "The broker delivered the job too often without an end: it may crash or hang its worker.", Permanent: true),
        new(DeadLettered, "The broker dead-lettered the job for another reason (its x-death says which).", Permanent: true),
        new(Lost, "Nothing was heard of the job and no queue holds it: the broker lost it.", Permanent: true),
    }.ToFrozenDictionary(e => e.Code, StringComparer.Ordinal);

    public static IReadOnlyCollection<ErrorCode> All => Catalogue.Values;

    /// <summary>The catalogue's entry for a code, or null for a code it does not know (from an older or newer peer).</summary>
    public static ErrorCode? Find(string code) => Catalogue.GetValueOrDefault(code);
}
