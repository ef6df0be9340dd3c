using System.Text.Json;
using Hearth.Core.OpenAI;
using Hearth.Core.Providers;
using Hearth.Core.Routing;
using Hearth.Server.Http;

namespace Hearth.Server.Routes;

/// <summary>
/// <c>/v1/providers</c>: the providers besides this machine's engine (keys are never returned, only whether one is
/// set); <c>/v1/routing</c>: the routing policy. Changes are saved to providers.json and apply to the next request.
/// </summary>
static class ProviderRoutes
{
    public static IEndpointRouteBuilder MapProviders(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/providers", List);
        app.MapPost("/v1/providers", Upsert);
        app.MapDelete("/v1/providers/{name}", Delete);
        app.MapGet("/v1/routing", (ProviderRouter router) => Results.Json(router.Configuration.Routing, ProvidersFile.Json));
        app.MapPut("/v1/routing", PutRouting);
        return app;
    }

    static IResult List(ProviderRouter router) => Results.Json(new
    {
        @object = "list",
        data = router.Configuration.Providers.Select(p => p.Redacted()),
        routing = router.Configuration.Routing,
    }, ProvidersFile.Json);

    /// <summary>POST /v1/providers {name, base_url, ...}: adds the provider, or replaces the one of that name.</summary>
    static async Task Upsert(HttpContext http, ProviderRouter router, ProviderStore store, ServerOptions options)
    {
        var provider = Read<ProviderConfig>(await HttpJson.ReadBody(http.Request, options.MaxBodyBytes, http.RequestAborted));
        var file = Copy(router.Configuration);
        var existed = file.Providers.RemoveAll(p => p.Name == provider.Name) > 0;
        file.Providers.Add(provider);
        Save(router, store, file);
        http.Response.StatusCode = existed ? 200 : 201;
        await http.Response.WriteAsJsonAsync(provider.Redacted(), ProvidersFile.Json, http.RequestAborted);
    }

    static async Task Delete(HttpContext http, string name, ProviderRouter router, ProviderStore store)
    {
        var file = Copy(router.Configuration);
        if (file.Providers.RemoveAll(p => p.Name == name) == 0) throw ApiException.NotFound("provider", name, "provider_not_found");
        Save(router, store, file);
        await http.Response.WriteAsJsonAsync(new { id = name, @object = "provider", deleted = true }, http.RequestAborted);
    }

    static async Task PutRouting(HttpContext http, ProviderRouter router, ProviderStore store, ServerOptions options)
    {
        var routing = Read<RoutingConfig>(await HttpJson.ReadBody(http.Request, options.MaxBodyBytes, http.RequestAborted));
        var file = Copy(router.Configuration);
        file.Routing = routing;
        Save(router, store, file);
        await http.Response.WriteAsJsonAsync(routing, ProvidersFile.Json, http.RequestAborted);
    }

    static T Read<T>(ReadOnlyMemory<byte> body)
    {
        try { return JsonSerializer.Deserialize<T>(body.Span, ProvidersFile.Json) ?? throw ApiException.InvalidRequest("The request body must be a JSON object.", null, "invalid_json"); }
        catch (JsonException e) { throw ApiException.InvalidRequest($"The request body is not a valid {typeof(T).Name}: {e.Message}", e.Path?.TrimStart('$', '.'), "invalid_json"); }
    }

    static void Save(ProviderRouter router, ProviderStore store, ProvidersFile file)
    {
        try
        {
            router.Configure(file);
            store.Save(file);
        }
        catch (ArgumentException e) { throw ApiException.InvalidValue(e.ParamName ?? "body", e.Message.Replace($" (Parameter '{e.ParamName}')", "")); }
    }

    static ProvidersFile Copy(ProvidersFile file) =>
        JsonSerializer.Deserialize<ProvidersFile>(JsonSerializer.Serialize(file, ProvidersFile.Json), ProvidersFile.Json)!;
}
