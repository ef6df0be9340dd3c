using Microsoft.Extensions.FileProviders;

namespace Hearth.Server.Http;

/// <summary>Serves the built web chat UI (web/dist) at <c>/</c> when it is there.</summary>
static class WebUi
{
    public static void Use(WebApplication app, string? configured)
    {
        var root = configured ?? Find();
        if (root is null || !Directory.Exists(root))
        {
            app.MapGet("/", () => Results.Text("Hearth is running. The web UI is not built (cd web && npm run build), or pass --web-root.\n"));
            return;
        }
        var files = new PhysicalFileProvider(Path.GetFullPath(root));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
    }

    /// <summary>web/dist beside the executable (published) or in a parent folder (the repository when run from a build).</summary>
    static string? Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "web", "dist");
                if (File.Exists(Path.Combine(candidate, "index.html"))) return candidate;
            }
        return null;
    }
}
