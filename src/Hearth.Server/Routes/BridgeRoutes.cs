using System.Net;
using Hearth.Core.OpenAI;
using Hearth.Core.Providers;

namespace Hearth.Server.Routes;

/// <summary><c>/v1/bridge</c>: a page on this machine offers its in-browser engine as provider "browser" (see <see cref="BrowserBridge"/>).</summary>
static class BridgeRoutes
{
    public static async Task Connect(HttpContext http, BrowserBridge bridge)
    {
        if (!http.WebSockets.IsWebSocketRequest)
            throw ApiException.InvalidRequest("/v1/bridge is a WebSocket: connect with one.", null, "websocket_required");
        // Inference through the bridge counts as local, so only pages on this machine may offer an engine.
        if (http.Connection.RemoteIpAddress is not { } ip || !IPAddress.IsLoopback(ip))
            throw new ApiException(403, "Only pages on this machine may offer an in-browser engine.", "permission_error", null, "bridge_not_local");
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        await bridge.RunSessionAsync(socket, http.RequestAborted);
    }
}
