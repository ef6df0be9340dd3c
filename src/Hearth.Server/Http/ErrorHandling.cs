using Hearth.Core.OpenAI;
using Hearth.Core.Telemetry;

namespace Hearth.Server.Http;

/// <summary>
/// The one path errors take: <see cref="ApiException"/>s become OpenAI error bodies, Kestrel's own refusals
/// (body too large) likewise, anything else a 500 that never takes the process down. Also counts requests.
/// </summary>
sealed class ErrorHandling(RequestDelegate next, HearthMetrics metrics, ILogger<ErrorHandling> log)
{
    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; the generation has been cancelled and memory saved what there was.
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            var api = e switch
            {
                ApiException a => a,
                BadHttpRequestException { StatusCode: 413 } => ApiException.PayloadTooLarge(http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? 0),
                BadHttpRequestException bad => new ApiException(bad.StatusCode, bad.Message, "invalid_request_error"),
                _ => ApiException.Internal("Internal error: " + e.Message, e),
            };
            if (api.Status >= 500) log.LogError(e, "Request {Path} failed", http.Request.Path);
            http.Response.Clear();
            await HttpJson.Error(http.Response, api);
        }
        catch (Exception e)
        {
            // The response had started (a stream): nothing more can be said to this client.
            log.LogWarning(e, "Request {Path} failed after its response started", http.Request.Path);
        }
        finally
        {
            var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "other";
            metrics.Request(route, http.RequestAborted.IsCancellationRequested && !http.Response.HasStarted ? 499 : http.Response.StatusCode);
        }
    }
}
