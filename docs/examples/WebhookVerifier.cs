using System.Security.Cryptography;
using System.Text;

namespace ImageJobs.Examples;

/// <summary>Checks an ImageJobs webhook (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature).</summary>
public static class WebhookVerifier
{
    public static bool IsAuthentic(string secret, string? id, string? timestamp, string? signatures, byte[] body, DateTimeOffset now)
    {
        if (id is null || signatures is null || !long.TryParse(timestamp, out var seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > 5 * 60)
        {
            return false; // unsigned, or too old or too new: a replay
        }

        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
        var expected = Encoding.ASCII.GetBytes("v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed)));
        // The header may carry several signatures (during a secret rotation), separated by spaces.
        return signatures.Split(' ').Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), expected));
    }
}
