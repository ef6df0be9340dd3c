using Hearth.Core.Registry;
using Hearth.Tests.Fakes;
using Microsoft.Extensions.AI;

namespace Hearth.Tests.Registry;

public sealed class ModelRegistryTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("hearth-registry-").FullName;

    [Fact]
    public async Task Lists_folder_models_loads_once_on_demand_and_unloads()
    {
        File.WriteAllBytes(Path.Combine(_dir, "tiny-q8_0.gguf"), new byte[1234]);
        var loads = 0;
        var model = new FakeChatModel("tiny-q8_0", 256);
        var registry = new ModelRegistry(async (id, path, progress, ct) =>
        {
            Interlocked.Increment(ref loads);
            progress?.Report(new ModelLoadProgress("read", 0.5, 617, 1234));
            await Task.Delay(50, ct);
            return model;
        }).AddFolder(_dir);

        var listed = Assert.Single(await registry.ListAsync());
        Assert.Equal(("tiny-q8_0", 1234L, "Q8_0", true, false, (int?)null), (listed.Id, listed.SizeBytes, listed.Quantization, listed.Cached, listed.Loaded, listed.ContextWindow));

        var clients = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => registry.GetChatClientAsync("tiny-q8_0")));
        Assert.All(clients, c => Assert.Same(model, c.GetService<FakeChatModel>()));
        Assert.Equal(1, loads);
        listed = Assert.Single(await registry.ListAsync());
        Assert.Equal((true, (int?)256), (listed.Loaded, listed.ContextWindow));

        foreach (var c in clients) c.Dispose(); // gives back the leases; the model itself stays loaded
        Assert.False(model.Disposed);
        Assert.True(await registry.UnloadAsync("tiny-q8_0"));
        Assert.True(model.Disposed);
        Assert.False(await registry.UnloadAsync("tiny-q8_0"));
        await Assert.ThrowsAsync<ModelNotFoundException>(() => registry.GetChatClientAsync("other"));
        await Assert.ThrowsAsync<ModelNotFoundException>(() => registry.UnloadAsync("other"));
    }

    [Fact]
    public async Task A_failed_load_is_not_remembered()
    {
        File.WriteAllBytes(Path.Combine(_dir, "m.gguf"), [0]);
        var attempts = 0;
        var registry = new ModelRegistry((_, _, _, _) =>
            ++attempts == 1 ? Task.FromException<IChatClient>(new IOException("disk")) : Task.FromResult<IChatClient>(new FakeChatModel())).AddFolder(_dir);
        await Assert.ThrowsAsync<IOException>(() => registry.GetChatClientAsync("m"));
        Assert.NotNull(await registry.GetChatClientAsync("m"));
    }

    [Theory]
    [InlineData("qwen2.5-0.5b-instruct-q4_k_m.gguf", "Q4_K_M")]
    [InlineData("tiny-llama2-spm-f32.gguf", "F32")]
    [InlineData("stories260K.gguf", null)]
    public void Reads_quantization_from_the_file_name(string name, string? expected) =>
        Assert.Equal(expected, ModelRegistry.QuantizationOf(name));

    public void Dispose() => Directory.Delete(_dir, true);
}
