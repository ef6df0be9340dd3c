using Hearth.Core.Models;
using Hearth.Tests;

namespace Hearth.Core.Tests.Models;

public sealed class MemoryFitTests
{
    [Fact]
    public void GgufShape_IsReadFromTheHeader()
    {
        var gguf = GgufShapeReader.Read(TestModels.Path("tiny-qwen2-q8_0.gguf"));
        Assert.Equal("qwen2", gguf.Architecture);
        Assert.Equal(new ModelShape(Layers: 2, Heads: 8, KvHeads: 2, HeadDim: 32, EmbeddingLength: 256), gguf.Shape);

        var stories = GgufShapeReader.Read(TestModels.Path("stories260K.gguf"));
        Assert.Equal(new ModelShape(5, 8, 4, 8, 64), stories.Shape);
    }

    [Fact]
    public void NotAGguf_IsAClearError()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "hello");
            Assert.Throws<InvalidDataException>(() => GgufShapeReader.Read(path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void KvCache_IsLayersTimesContextTimesKvHeadsTimesHeadDimTimesTwoTimesBytes()
    {
        // Qwen2.5-0.5B: 24 layers, 2 kv heads of 64; 4096 tokens of f16 K and V
        var shape = new ModelShape(24, 14, 2, 64, 896);
        Assert.Equal(24L * 4096 * 2 * 64 * 2 * 2, MemoryEstimate.KvCache(shape, 4096));
        Assert.Equal(2 * MemoryEstimate.KvCache(shape, 4096), MemoryEstimate.KvCache(shape, 8192));
        Assert.True(MemoryEstimate.Total(1000, shape, 4096) > 1000 + MemoryEstimate.KvCache(shape, 4096));
    }

    [Fact]
    public void AvailableMemory_IsPositiveAndBelowTotal()
    {
        var available = MemoryEstimate.AvailableBytes();
        Assert.InRange(available, 1, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 4L);
    }

    [Fact]
    public void ModelThatDoesNotFit_IsRefused_NamingOneThatDoes()
    {
        using var home = new TempHome();
        using var models = new ModelManager(new ModelOptions { Home = home.Dir });
        var big = new LocalModel("phi-3.5-mini-instruct", "unused", 2_393_232_000, Entry: models.Catalog.Find("phi-3.5-mini-instruct"));
        var small = models.Catalog.Find("smollm2-360m-instruct")!;
        models.AvailableMemory = () => small.MemoryNeeded(4096) + 1_000;

        var error = Assert.Throws<ModelTooLargeException>(() => models.EnsureFits(big, 4096));

        Assert.Equal("smollm2-360m-instruct", error.Suggestion);
        Assert.Contains("smollm2-360m-instruct", error.Message);
        Assert.True(error.NeededBytes > error.AvailableBytes);
        Assert.False(models.IsCompatible(models.Catalog.Find("phi-3.5-mini-instruct")!));
        Assert.True(models.IsCompatible(small));
    }

    [Fact]
    public void LocalGguf_IsSizedFromItsHeader()
    {
        using var home = new TempHome();
        using var models = new ModelManager(new ModelOptions { Home = home.Dir });
        var path = TestModels.Path("tiny-qwen2-q8_0.gguf");
        var model = models.FindLocal(path)!;

        var needed = models.MemoryNeeded(model, 4096);

        var gguf = GgufShapeReader.Read(path);
        var ctx = Math.Min(4096, gguf.ContextLength); // never more than the model was trained for
        Assert.Equal(model.Size + MemoryEstimate.KvCache(gguf.Shape, ctx) + MemoryEstimate.Scratch(gguf.Shape, ctx), needed);
        models.AvailableMemory = () => needed - 1;
        Assert.Throws<ModelTooLargeException>(() => models.EnsureFits(model, 4096));
        models.AvailableMemory = () => needed;
        models.EnsureFits(model, 4096);
    }

    [Fact]
    public async Task Prepare_RefusesACatalogModelThatWillNotFit_BeforeDownloadingIt()
    {
        using var home = new TempHome();
        using var models = new ModelManager(new ModelOptions { Home = home.Dir, HubEndpoint = new Uri("http://127.0.0.1:9/") });
        models.AvailableMemory = () => 400_000_000;

        var error = await Assert.ThrowsAsync<ModelTooLargeException>(() => models.PrepareAsync("llama-3.2-3b-instruct", 4096));

        Assert.Equal("smollm2-135m-instruct", error.Suggestion);
        Assert.Empty(home.ModelFiles());
    }

    [Fact]
    public async Task Prepare_ChecksALocalFile()
    {
        using var home = new TempHome();
        using var models = new ModelManager(new ModelOptions { Home = home.Dir });
        var path = TestModels.Path("stories260K.gguf");

        var model = await models.PrepareAsync(path);
        Assert.Equal(path, model.Path);

        models.AvailableMemory = () => 1_000;
        await Assert.ThrowsAsync<ModelTooLargeException>(() => models.PrepareAsync(path));
    }
}
