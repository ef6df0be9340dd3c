using Hearth.Core.Telemetry;

namespace Hearth.Server.Routes;

static class MetricsRoutes
{
    /// <summary>GET /metrics in Prometheus text format.</summary>
    public static async Task Prometheus(HttpContext http, HearthMetrics metrics)
    {
        var text = new StringWriter();
        metrics.WritePrometheus(text);
        http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await http.Response.WriteAsync(text.ToString(), http.RequestAborted);
    }
}
