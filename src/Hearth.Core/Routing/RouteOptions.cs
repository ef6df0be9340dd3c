using System.Globalization;
using System.Text.Json;
using Hearth.Core.OpenAI;
using Hearth.Core.Providers;
using Microsoft.Extensions.AI;

namespace Hearth.Core.Routing;

/// <summary>
/// A request's routing wishes, from the <c>x-hearth-route</c> header (e.g. <c>private, max-ttft=2s</c>) or the body's
/// <c>routing</c> object. Null fields leave the server's <see cref="RoutingConfig"/> in force.
/// </summary>
public sealed record RouteOptions
{
    /// <summary>ChatOptions.AdditionalProperties key of the header's value (a string) as sent.</summary>
    public const string HeaderKey = Hearth.Client.HearthOptionKeys.RouteHeader;
    /// <summary>ChatOptions.AdditionalProperties key of the body's <c>routing</c> object (parsed).</summary>
    public const string BodyKey = "hearth.routing";

    /// <summary>The request's content must stay on this device.</summary>
    public bool? Private { get; init; }
    public bool? OfflineOnly { get; init; }
    public bool? PreferLocal { get; init; }
    public bool? CloudFallback { get; init; }
    public string? Policy { get; init; }
    public TimeSpan? MaxTimeToFirstToken { get; init; }
    /// <summary>Models to try, in order, when the requested one cannot answer.</summary>
    public IReadOnlyList<string>? Fallbacks { get; init; }

    /// <summary>The header's syntax: comma-separated flags and key=value pairs.</summary>
    public static RouteOptions ParseHeader(string header)
    {
        var o = new RouteOptions();
        foreach (var raw in header.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = raw.IndexOf('=');
            var key = (eq < 0 ? raw : raw[..eq]).Trim().ToLowerInvariant();
            var value = eq < 0 ? null : raw[(eq + 1)..].Trim();
            o = key switch
            {
                "private" => o with { Private = Flag(value, key) },
                "offline" or "offline-only" => o with { OfflineOnly = Flag(value, key) },
                "prefer-local" => o with { PreferLocal = Flag(value, key) },
                "cloud-fallback" => o with { CloudFallback = Flag(value, key) },
                "no-cloud-fallback" => o with { CloudFallback = !Flag(value, key) },
                "policy" => o with { Policy = PolicyOf(value, HeaderKey) },
                "max-ttft" => o with { MaxTimeToFirstToken = Duration(value, HeaderKey) },
                "fallback" => o with { Fallbacks = [.. (value ?? "").Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] },
                _ => throw ApiException.InvalidValue(HeaderKey, $"'{raw}' is not a routing option (private, offline, prefer-local, cloud-fallback, no-cloud-fallback, policy=, max-ttft=, fallback=)."),
            };
        }
        return o;

        static bool Flag(string? v, string key) => v is null || v.Equals("true", StringComparison.OrdinalIgnoreCase) || v == "1" ? true
            : v.Equals("false", StringComparison.OrdinalIgnoreCase) || v == "0" ? false
            : throw ApiException.InvalidValue(HeaderKey, $"'{key}={v}' must be true or false.");
    }

    /// <summary>The body's <c>routing</c> object.</summary>
    public static RouteOptions ParseBody(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Object) throw ApiException.InvalidType("routing", "an object");
        var o = new RouteOptions();
        foreach (var p in v.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Null) continue;
            var name = "routing." + p.Name;
            o = p.Name switch
            {
                "private" => o with { Private = ChatRequestParser.Bool(p.Value, name) },
                "offline_only" => o with { OfflineOnly = ChatRequestParser.Bool(p.Value, name) },
                "prefer_local" => o with { PreferLocal = ChatRequestParser.Bool(p.Value, name) },
                "cloud_fallback" => o with { CloudFallback = ChatRequestParser.Bool(p.Value, name) },
                "policy" => o with { Policy = PolicyOf(ChatRequestParser.String(p.Value, name), name) },
                "max_ttft_ms" => o with
                {
                    MaxTimeToFirstToken = p.Value.TryGetInt32(out var ms) && ms > 0 ? TimeSpan.FromMilliseconds(ms) : throw ApiException.InvalidValue(name, "must be a positive integer."),
                },
                "fallback" => o with
                {
                    Fallbacks = p.Value.ValueKind == JsonValueKind.Array
                        ? [.. p.Value.EnumerateArray().Select(f => ChatRequestParser.String(f, name))]
                        : throw ApiException.InvalidType(name, "an array of model ids"),
                },
                _ => throw ApiException.Unsupported(name, "routing takes private, offline_only, prefer_local, cloud_fallback, policy, max_ttft_ms, fallback."),
            };
        }
        return o;
    }

    /// <summary>This request's wishes: the header over the body (either may be absent).</summary>
    public static RouteOptions Of(ChatOptions? options)
    {
        var props = options?.AdditionalProperties;
        var body = props?.TryGetValue(BodyKey, out var b) == true ? b as RouteOptions : null;
        var header = props?.TryGetValue(HeaderKey, out var h) == true ? h switch { string s => ParseHeader(s), RouteOptions r => r, _ => null } : null;
        if (header is null) return body ?? new RouteOptions();
        if (body is null) return header;
        return new RouteOptions
        {
            Private = header.Private ?? body.Private, OfflineOnly = header.OfflineOnly ?? body.OfflineOnly, PreferLocal = header.PreferLocal ?? body.PreferLocal,
            CloudFallback = header.CloudFallback ?? body.CloudFallback, Policy = header.Policy ?? body.Policy,
            MaxTimeToFirstToken = header.MaxTimeToFirstToken ?? body.MaxTimeToFirstToken, Fallbacks = header.Fallbacks ?? body.Fallbacks,
        };
    }

    /// <summary>The rules in force for one request: the server's, narrowed or adjusted by the request's.</summary>
    public EffectiveRoute Apply(RoutingConfig config) => new(
        // A request may add restrictions but not lift the server's offline-only rule.
        Private: Private ?? false,
        OfflineOnly: config.OfflineOnly || (OfflineOnly ?? false),
        PreferLocal: PreferLocal ?? config.PreferLocal,
        CloudFallback: CloudFallback ?? config.CloudFallback,
        Policy: Policy ?? config.Policy,
        MaxTimeToFirstToken: MaxTimeToFirstToken ?? (config.MaxTtftMs is int ms ? TimeSpan.FromMilliseconds(ms) : null),
        Fallbacks: Fallbacks ?? []);

    static string PolicyOf(string? v, string param) => v is "priority" or "cost" ? v : throw ApiException.InvalidValue(param, $"policy '{v}' is not one of priority, cost.");

    static TimeSpan Duration(string? v, string param)
    {
        v ??= "";
        double n;
        if (v.EndsWith("ms") && double.TryParse(v[..^2], NumberStyles.Float, CultureInfo.InvariantCulture, out n)) return Positive(TimeSpan.FromMilliseconds(n));
        if (v.EndsWith('s') && double.TryParse(v[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out n)) return Positive(TimeSpan.FromSeconds(n));
        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out n)) return Positive(TimeSpan.FromMilliseconds(n));
        throw ApiException.InvalidValue(param, $"max-ttft '{v}' is not a duration such as 500ms or 2s.");

        TimeSpan Positive(TimeSpan t) => t > TimeSpan.Zero ? t : throw ApiException.InvalidValue(param, "max-ttft must be positive.");
    }
}

/// <summary>The routing rules in force for one request.</summary>
public sealed record EffectiveRoute(bool Private, bool OfflineOnly, bool PreferLocal, bool CloudFallback, string Policy,
    TimeSpan? MaxTimeToFirstToken, IReadOnlyList<string> Fallbacks)
{
    /// <summary>Only providers that keep inference on this device may be called.</summary>
    public bool LocalOnly => Private || OfflineOnly;
}
