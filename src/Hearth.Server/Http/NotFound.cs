using Hearth.Core.OpenAI;

namespace Hearth.Server.Http;

static class NotFound
{
    /// <summary>Unknown /v1 paths answer in OpenAI's error shape too.</summary>
    public static Task Route(HttpContext http) =>
        HttpJson.Error(http.Response, new ApiException(404, $"Unknown route: {http.Request.Method} {http.Request.Path}.", "invalid_request_error", null, "unknown_url"));
}
