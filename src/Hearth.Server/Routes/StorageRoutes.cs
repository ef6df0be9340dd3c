using Hearth.Core.Models;

namespace Hearth.Server.Routes;

/// <summary>
/// <c>GET /v1/storage</c>: models on disk, quota and free disk. <c>GET /api/ps</c> (Ollama's name): models in memory.
/// Needs a <see cref="ModelManager"/> singleton in DI; <c>/api/ps</c> also an <see cref="ILoadedModels"/> (the model host).
/// </summary>
public static class StorageRoutes
{
    public static IEndpointRouteBuilder MapStorage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/storage", Storage);
        return app;
    }

    /// <summary>Maps <c>GET /api/ps</c>, which <c>hearth ps</c> reads.</summary>
    public static IEndpointRouteBuilder MapLoadedModels(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ps", (IServiceProvider services) =>
        {
            var loaded = services.GetService<ILoadedModels>()?.Loaded ?? [];
            return Results.Json(new { models = loaded }, JobRoutes.Json);
        });
        return app;
    }

    static IResult Storage(ModelManager models)
    {
        var info = models.GetStorageInfo();
        var files = models.List().Select(m => new
        {
            id = m.CatalogId ?? m.Key,
            m.Key,
            m.Repo,
            m.File,
            size_bytes = m.Size,
            m.Sha256,
            m.LastUsed,
            loaded = models.IsInUse(models.Store.PathFor(m.Key)),
        });
        return Results.Json(new
        {
            info.Path,
            info.Models,
            used_bytes = info.UsedBytes,
            partial_bytes = info.PartialBytes,
            quota_bytes = info.QuotaBytes,
            free_disk_bytes = info.FreeDiskBytes,
            total_disk_bytes = info.TotalDiskBytes,
            used = ByteSize.Format(info.UsedBytes),
            quota = info.QuotaBytes is { } q ? ByteSize.Format(q) : null,
            free_disk = ByteSize.Format(info.FreeDiskBytes),
            files,
        }, JobRoutes.Json);
    }
}
