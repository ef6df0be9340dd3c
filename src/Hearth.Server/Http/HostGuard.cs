using System.Net;
using System.Security.Cryptography;
using System.Text;
using Hearth.Core.OpenAI;

namespace Hearth.Server.Http;

/// <summary>
/// Who may talk to the server. Host header: loopback names or configured hosts only (a DNS-rebinding page
/// cannot reach it). Origin: the server's own or configured origins (CORS). API key: Bearer, when configured.
/// </summary>
sealed class HostGuard(RequestDelegate next, ServerOptions options)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var host = http.Request.Host.Host;
        if (!HostAllowed(host))
        {
            await HttpJson.Error(http.Response, new ApiException(403, $"Host '{host}' is not allowed. Add it with --allowed-host if you mean to reach Hearth by that name.",
                "invalid_request_error", null, "host_not_allowed"));
            return;
        }

        var origin = http.Request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            if (!OriginAllowed(origin, http.Request))
            {
                await HttpJson.Error(http.Response, new ApiException(403, $"Origin '{origin}' is not allowed. Add it with --cors-origin.",
                    "invalid_request_error", null, "origin_not_allowed"));
                return;
            }
            var h = http.Response.Headers;
            h.AccessControlAllowOrigin = origin;
            h.Vary = "Origin";
            h.AccessControlExposeHeaders = "x-conversation-id, x-hearth-provider, retry-after";
            if (HttpMethods.IsOptions(http.Request.Method))
            {
                h.AccessControlAllowMethods = "GET, POST, PATCH, DELETE, OPTIONS";
                h.AccessControlAllowHeaders = "authorization, content-type, x-conversation-id, x-hearth-route";
                h.AccessControlMaxAge = "600";
                http.Response.StatusCode = 204;
                return;
            }
        }

        if (options.ApiKey is { Length: > 0 } key && NeedsKey(http.Request.Path) && !KeyMatches(http.Request.Headers.Authorization.ToString(), key))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await HttpJson.Error(http.Response, ApiException.Unauthorized("Missing or wrong API key: send 'Authorization: Bearer <key>'."));
            return;
        }
        await next(http);
    }

    bool HostAllowed(string host)
    {
        if (host is "localhost" || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)) return true;
        // DNS rebinding needs a name that resolves to us; an address literal cannot be rebound.
        if (IPAddress.TryParse(host.Trim('[', ']'), out _)) return true;
        return options.AllowedHosts.Any(a => a == "*" || string.Equals(a, host, StringComparison.OrdinalIgnoreCase));
    }

    bool OriginAllowed(string origin, HttpRequest request)
    {
        if (string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase)) return true;
        return options.CorsOrigins.Any(o => o == "*" || string.Equals(o.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));
    }

    static bool NeedsKey(PathString path) => path.StartsWithSegments("/v1") || path.StartsWithSegments("/metrics");

    static bool KeyMatches(string authorization, string key)
    {
        const string prefix = "Bearer ";
        if (!authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorization[prefix.Length..].Trim()), Encoding.UTF8.GetBytes(key));
    }
}
