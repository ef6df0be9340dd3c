using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Core.Models;

namespace Hearth.Server.Tests.Routes;

public sealed class StorageRoutesTests
{
    [Fact]
    public async Task Storage_ReportsModelsQuotaAndFreeDisk()
    {
        await using var host = await ModelRoutesHost.StartAsync();
        var store = host.Models.Store;
        var key = StoredModel.KeyFor("org/repo", "main", "m.gguf");
        Directory.CreateDirectory(Path.GetDirectoryName(store.PathFor(key))!);
        await File.WriteAllBytesAsync(store.PathFor(key), new byte[1234]);
        store.Add("org/repo", "main", "m.gguf", 1234, new string('c', 64));

        var body = await host.Client.GetFromJsonAsync<JsonElement>("/v1/storage");

        Assert.Equal(1, body.GetProperty("models").GetInt32());
        Assert.Equal(1234, body.GetProperty("used_bytes").GetInt64());
        Assert.Equal(10_000_000, body.GetProperty("quota_bytes").GetInt64());
        Assert.True(body.GetProperty("free_disk_bytes").GetInt64() > 0);
        Assert.Equal("10 MB", body.GetProperty("quota").GetString());
        var file = body.GetProperty("files")[0];
        Assert.Equal(key, file.GetProperty("key").GetString());
        Assert.False(file.GetProperty("loaded").GetBoolean());
    }

    [Fact]
    public async Task Ps_ListsLoadedModels()
    {
        await using var modelHost = new ModelHost<object>((key, _) => Task.FromResult<object>(key));
        await using var host = await ModelRoutesHost.StartAsync(modelHost);
        await using var lease = await modelHost.AcquireAsync("/models/a.gguf");

        var body = await host.Client.GetFromJsonAsync<JsonElement>("/api/ps");

        var model = body.GetProperty("models")[0];
        Assert.Equal("/models/a.gguf", model.GetProperty("key").GetString());
        Assert.Equal(1, model.GetProperty("in_use").GetInt32());
    }
}
