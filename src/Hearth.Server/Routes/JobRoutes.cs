using System.Text.Json;
using Hearth.Core.Jobs;
using Hearth.Core.Models;

namespace Hearth.Server.Routes;

/// <summary>
/// The jobs API: long operations (pulls) that outlive the request that started them.
/// <c>POST /v1/jobs</c> starts one, <c>GET /v1/jobs[/{id}]</c> reads them, <c>GET /v1/jobs/{id}/events</c> follows one
/// as SSE (any number of clients, each starting from the current state), <c>DELETE /v1/jobs/{id}</c> cancels it.
/// Needs a <see cref="ModelManager"/> singleton in DI.
/// </summary>
public static class JobRoutes
{
    /// <summary>Snake case like the rest of the OpenAI-style API.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public sealed record StartJobRequest(string? Kind, string? Model);

    public static IEndpointRouteBuilder MapJobs(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/jobs", List);
        app.MapPost("/v1/jobs", Start);
        app.MapGet("/v1/jobs/{id}", Get);
        app.MapGet("/v1/jobs/{id}/events", Events);
        app.MapDelete("/v1/jobs/{id}", Cancel);
        return app;
    }

    static IResult List(ModelManager models) =>
        Results.Json(new { @object = "list", data = models.Jobs.List() }, Json);

    static IResult Start(StartJobRequest? request, ModelManager models)
    {
        if (request?.Kind is not "pull")
            return Error(400, "invalid_request_error", "unsupported_job_kind", "Only jobs of kind \"pull\" can be started here.", "kind");
        if (string.IsNullOrWhiteSpace(request.Model))
            return Error(400, "invalid_request_error", "model_required", "A pull job needs a \"model\".", "model");
        try
        {
            var job = models.StartPull(request.Model);
            return Results.Json(job, Json, statusCode: 202);
        }
        catch (ModelException e) { return ModelError(e); }
    }

    static IResult Get(string id, ModelManager models) =>
        models.Jobs.Get(id) is { } job ? Results.Json(job, Json) : JobNotFound(id);

    static IResult Cancel(string id, ModelManager models)
    {
        if (models.Jobs.Get(id) is null) return JobNotFound(id);
        models.Jobs.Cancel(id);
        return Results.Json(models.Jobs.Get(id), Json);
    }

    static async Task Events(string id, HttpContext http, ModelManager models)
    {
        if (models.Jobs.Get(id) is null)
        {
            await JobNotFound(id).ExecuteAsync(http);
            return;
        }
        await WriteEventsAsync(http, models.Jobs, id, http.RequestAborted);
    }

    /// <summary>
    /// Streams a job's events as SSE (<c>event: {type}</c>, <c>data: {job}</c>) until it finishes or the client leaves;
    /// the job itself goes on. Usable by any route that starts a job, such as <c>/v1/models/load</c>.
    /// </summary>
    public static async Task WriteEventsAsync(HttpContext http, JobManager jobs, string id, CancellationToken ct)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await foreach (var e in jobs.SubscribeAsync(id, ct).WithCancellation(ct))
            {
                await http.Response.WriteAsync($"event: {e.Type}\ndata: {JsonSerializer.Serialize(e.Job, Json)}\n\n", ct);
                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { /* the client left; the job did not */ }
    }

    /// <summary>An OpenAI-style error body for a model error.</summary>
    public static IResult ModelError(ModelException e) => e switch
    {
        ModelNotFoundException => Error(404, "not_found_error", "model_not_found", e.Message, "model"),
        ModelAccessDeniedException => Error(403, "permission_error", "model_access_denied", e.Message, "model"),
        ModelTooLargeException => Error(507, "insufficient_memory_error", "model_too_large", e.Message, "model"),
        ModelStorageException => Error(507, "insufficient_storage_error", "storage_full", e.Message, "model"),
        _ => Error(400, "invalid_request_error", "model_error", e.Message, "model"),
    };

    static IResult JobNotFound(string id) => Error(404, "not_found_error", "job_not_found", $"No job with id '{id}'.", "id");

    static IResult Error(int status, string type, string code, string message, string? param) =>
        Results.Json(new { error = new { message, type, param, code } }, Json, statusCode: status);
}
