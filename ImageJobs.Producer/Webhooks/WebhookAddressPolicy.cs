using System.Net;
using System.Net.Sockets;

namespace ImageJobs.Producer.Webhooks;

/// <summary>
/// Which callbacks the producer may call (no SSRF): https (http only where allowed), and never an
/// address inside the environment: loopback, private, link-local, unique-local, carrier-grade NAT,
/// multicast, reserved, and IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4,
/// Teredo), whose IPv4 part could be any of those. A host in <see cref="WebhookOptions.AllowedHosts"/>
/// may resolve anywhere. Pure: the sender applies it to the addresses it is about to connect to.
/// </summary>
public static class WebhookAddressPolicy
{
    public const int MaxUrlLength = 2_000;

    private static readonly (IPNetwork Network, string Kind)[] Refused =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "'this network'"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "carrier-grade NAT (shared)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local (cloud metadata)"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "reserved (IETF protocol assignments)"),
        (IPNetwork.Parse("192.0.2.0/24"), "reserved (documentation)"),
        (IPNetwork.Parse("192.88.99.0/24"), "reserved (6to4 relay)"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "reserved (benchmarking)"),
        (IPNetwork.Parse("198.51.100.0/24"), "reserved (documentation)"),
        (IPNetwork.Parse("203.0.113.0/24"), "reserved (documentation)"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved (and broadcast)"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("::/96"), "IPv4-compatible"),
        (IPNetwork.Parse("64:ff9b::/96"), "NAT64 (IPv4-embedded)"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "NAT64 (local use)"),
        (IPNetwork.Parse("100::/64"), "reserved (discard)"),
        (IPNetwork.Parse("2001::/32"), "Teredo (IPv4-embedded)"),
        (IPNetwork.Parse("2001:db8::/32"), "reserved (documentation)"),
        (IPNetwork.Parse("2002::/16"), "6to4 (IPv4-embedded)"),
        (IPNetwork.Parse("fc00::/7"), "unique-local"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "site-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    /// <summary>Why the producer must not connect to <paramref name="address"/>; null when it is a public address.</summary>
    public static string? AddressProblem(IPAddress address)
    {
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return "is not an IP address";
        }

        // IPNetwork.Contains matches a mapped address by its IPv4 part: refuse the whole range first.
        if (address.IsIPv4MappedToIPv6)
        {
            return "is IPv4-mapped (::ffff:0:0/96)";
        }

        foreach (var (network, kind) in Refused)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
            {
                return $"is {kind} ({network})";
            }
        }

        return null;
    }

    /// <summary>Whether the host may resolve to any address (a setting names it).</summary>
    public static bool IsAllowedHost(string host, WebhookOptions options) =>
        options.AllowedHosts.Contains(Bare(host), StringComparer.OrdinalIgnoreCase);

    /// <summary>Why the producer must not connect to <paramref name="host"/>, which resolved to <paramref name="addresses"/>; null when it may.</summary>
    public static string? ResolvedProblem(string host, IReadOnlyList<IPAddress> addresses, WebhookOptions options)
    {
        if (IsAllowedHost(host, options))
        {
            return null;
        }

        if (addresses.Count == 0)
        {
            return $"'{host}' resolves to no address";
        }

        // One internal address refuses the name: a resolver that answers both could hand out either.
        foreach (var address in addresses)
        {
            if (AddressProblem(address) is { } problem)
            {
                return $"'{host}' resolves to {address}, which {problem}; set Webhooks:AllowedHosts to allow it";
            }
        }

        return null;
    }

    /// <summary>
    /// Why <paramref name="url"/> cannot be a callback, from the URL alone (a host name is resolved and
    /// checked when it is called); null when it can.
    /// </summary>
    public static string? UrlProblem(string url, WebhookOptions options)
    {
        if (url.Length > MaxUrlLength)
        {
            return $"must be at most {MaxUrlLength:N0} characters.";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.IsFile || uri.IsUnc || string.IsNullOrEmpty(uri.Host))
        {
            return "must be an absolute http(s) URL.";
        }

        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && options.AllowHttp))
        {
            return options.AllowHttp ? "must be an http or https URL." : "must be an https URL (Webhooks:AllowHttp is off).";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "must not hold a user name or password (the event is signed instead).";
        }

        if (uri.Fragment.Length > 0)
        {
            return "must not have a fragment.";
        }

        return IPAddress.TryParse(Bare(uri.Host), out var literal) && !IsAllowedHost(uri.Host, options) && AddressProblem(literal) is { } problem
            ? $"names {literal}, which {problem}; set Webhooks:AllowedHosts to allow it."
            : null;
    }

    /// <summary>The URL as shown (API, page, logs): scheme, host, port and path, no query (it may hold a token).</summary>
    public static string Shown(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path) : "(invalid)";

    private static string Bare(string host) => host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
}
