using System.Net;
using Hearth.Tests.Infrastructure;

namespace Hearth.Tests.Http;

public class WebUiTests
{
    [Fact]
    public async Task Serves_the_built_web_ui_at_the_root()
    {
        var root = Directory.CreateTempSubdirectory("hearth-web-").FullName;
        File.WriteAllText(Path.Combine(root, "index.html"), "<!doctype html><title>Hearth</title>");
        File.WriteAllText(Path.Combine(root, "app.js"), "console.log(1)");
        try
        {
            await using var server = TestServer.Start(o => o.WebRoot = root);
            Assert.Contains("<title>Hearth</title>", await server.Http.GetStringAsync("/"));
            using var js = await server.Http.GetAsync("/app.js");
            Assert.Equal(HttpStatusCode.OK, js.StatusCode);
            Assert.Equal("text/javascript", js.Content.Headers.ContentType!.MediaType);
            // The API is still the API.
            Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/v1/models")).StatusCode);
        }
        finally { Directory.Delete(root, true); }
    }
}
