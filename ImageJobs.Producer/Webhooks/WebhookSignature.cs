using System.Security.Cryptography;
using System.Text;

namespace ImageJobs.Producer.Webhooks;

/// <summary>
/// Standard Webhooks' signature: <c>v1,</c> and the base64 HMAC-SHA256, keyed with the secret's
/// bytes, of <c>{webhook-id}.{webhook-timestamp}.{body}</c>. The timestamp in the signed text lets a
/// receiver refuse a replayed event.
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";

    /// <summary>Why <paramref name="secret"/> cannot sign (never quoting it); null when it can.</summary>
    public static string? SecretProblem(string secret)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return $"must start with '{SecretPrefix}'.";
        }

        var key = Key(secret);
        return key is { Length: >= 24 and <= 64 } ? null : $"must be '{SecretPrefix}' and 24 to 64 bytes in base64.";
    }

    /// <summary>The <c>webhook-signature</c> header's value.</summary>
    public static string Sign(string secret, string eventId, long timestamp, ReadOnlySpan<byte> body)
    {
        var key = Key(secret) ?? throw new ArgumentException("The secret is not a signing secret.", nameof(secret));
        var prefix = Encoding.UTF8.GetBytes(FormattableString.Invariant($"{eventId}.{timestamp}."));
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        return "v1," + Convert.ToBase64String(hmac.GetHashAndReset());
    }

    /// <summary>A new secret, for a batch or the setting.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static byte[]? Key(string secret)
    {
        var encoded = secret.AsSpan(SecretPrefix.Length);
        var buffer = new byte[encoded.Length];
        return encoded.Length <= 100 && Convert.TryFromBase64Chars(encoded, buffer, out var written) ? buffer[..written] : null;
    }
}
