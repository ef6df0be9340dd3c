using Hearth.Core.Models;
using Hearth.Tests;

namespace Hearth.Core.Tests.Models;

public sealed class ModelStoreTests : IAsyncLifetime
{
    const string Repo = "test-org/tiny-GGUF";
    readonly TempHome _home = new();
    readonly ManualTime _time = new();
    FakeHub _hub = null!;

    public async Task InitializeAsync() => _hub = await FakeHub.StartAsync();

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        _home.Dispose();
    }

    ModelStore StoreWith(params (string File, int Size)[] files)
    {
        var store = new ModelStore(Path.Combine(_home.Dir, "models"), null, _time);
        foreach (var (file, size) in files)
        {
            var key = StoredModel.KeyFor(Repo, "main", file);
            Directory.CreateDirectory(Path.GetDirectoryName(store.PathFor(key))!);
            File.WriteAllBytes(store.PathFor(key), new byte[size]);
            store.Add(Repo, "main", file, size, new string('0', 64));
            _time.Advance(TimeSpan.FromMinutes(1));
        }
        return store;
    }

    static string Key(string file) => StoredModel.KeyFor(Repo, "main", file);

    [Fact]
    public void Eviction_IsLeastRecentlyUsedFirst_AndTheQuotaHolds()
    {
        var store = StoreWith(("a.gguf", 100), ("b.gguf", 100), ("c.gguf", 100), ("d.gguf", 100));
        store.Touch(Key("a.gguf")); // a is now the most recently used; b is the oldest
        store.QuotaBytes = 400;

        var evicted = store.EnsureSpace(150, _ => false);

        Assert.Equal([Key("b.gguf"), Key("c.gguf")], evicted.Select(e => e.Model.Key));
        Assert.Equal(["a.gguf", "d.gguf"], store.List().Select(m => m.File).Order());
        Assert.True(store.GetStorageInfo().UsedBytes + 150 <= 400);
        Assert.False(File.Exists(store.PathFor(Key("b.gguf"))));
        Assert.All(evicted, e => Assert.Contains("quota", e.Reason));
    }

    [Fact]
    public void Eviction_NeverTakesAModelInUse()
    {
        var store = StoreWith(("loaded.gguf", 100), ("b.gguf", 100), ("c.gguf", 100));
        store.QuotaBytes = 300;
        var raised = new List<ModelEvicted>();
        store.Evicted += raised.Add;

        var evicted = store.EnsureSpace(200, m => m.File == "loaded.gguf");

        Assert.Equal([Key("b.gguf"), Key("c.gguf")], evicted.Select(e => e.Model.Key));
        Assert.Equal(evicted, raised);
        Assert.NotNull(store.Find(Key("loaded.gguf")));
        var error = Assert.Throws<ModelStorageException>(() => store.EnsureSpace(250, m => m.File == "loaded.gguf"));
        Assert.Contains("in use", error.Message);
        Assert.NotNull(store.Find(Key("loaded.gguf")));
    }

    [Fact]
    public void SpaceReservedForADownloadInProgress_CountsAsUsed_UntilItEnds()
    {
        var store = StoreWith(("a.gguf", 100), ("b.gguf", 100));
        store.QuotaBytes = 300;

        Assert.Empty(store.EnsureSpace(100, _ => false, Key("c.gguf")));              // 200 + 100 fits
        var evicted = store.EnsureSpace(100, _ => false, Key("d.gguf"));             // 200 + 100 reserved + 100 does not
        Assert.Equal([Key("a.gguf")], evicted.Select(e => e.Model.Key));
        Assert.Equal(200, store.ReservedBytes());

        store.ReleaseSpace(Key("c.gguf"));                                           // c stopped without a file
        Assert.Empty(store.EnsureSpace(100, _ => false, Key("e.gguf")));              // b + d + e = 300
        var error = Assert.Throws<ModelStorageException>(() => store.EnsureSpace(100, m => m.File == "b.gguf", Key("f.gguf")));
        Assert.Contains("downloads in progress", error.Message);
    }

    [Fact]
    public void ModelLargerThanTheQuota_IsRefusedWithoutEvicting()
    {
        var store = StoreWith(("a.gguf", 100));
        store.QuotaBytes = 500;
        Assert.Throws<ModelStorageException>(() => store.EnsureSpace(501, _ => false));
        Assert.Single(store.List());
    }

    [Fact]
    public void FileMissingOrOfTheWrongSize_IsNotAModel()
    {
        var store = StoreWith(("a.gguf", 100), ("b.gguf", 100));
        File.Delete(store.PathFor(Key("a.gguf")));
        File.WriteAllBytes(store.PathFor(Key("b.gguf")), new byte[50]);

        Assert.Null(store.Find(Key("a.gguf")));
        Assert.Null(store.Find(Key("b.gguf")));
        Assert.Empty(store.List());
    }

    [Fact]
    public void StorageInfo_CountsModelsPartialsAndDisk()
    {
        var store = StoreWith(("a.gguf", 100), ("b.gguf", 250));
        File.WriteAllBytes(store.PathFor(Key("c.gguf")) + ".partial", new byte[30]);
        store.QuotaBytes = 1000;

        var info = store.GetStorageInfo();

        Assert.Equal(2, info.Models);
        Assert.Equal(350, info.UsedBytes);
        Assert.Equal(30, info.PartialBytes);
        Assert.Equal(1000, info.QuotaBytes);
        Assert.True(info.FreeDiskBytes > 0 && info.TotalDiskBytes >= info.FreeDiskBytes);
    }

    [Fact]
    public void KeysThatEscapeTheCache_AreRejected()
    {
        var store = StoreWith();
        Assert.Throws<ArgumentException>(() => store.PathFor("../../etc/passwd"));
    }

    [Fact]
    public async Task Pull_EvictsTheLeastRecentlyUsed_NotTheLoadedOne_AndTellsTheClient()
    {
        var size = new FileInfo(TestModels.Path("stories260K.gguf")).Length;
        foreach (var name in new[] { "a", "b", "c", "d" })
            _hub.AddFileFrom(Repo, name + ".gguf", TestModels.Path("stories260K.gguf"));
        using var models = new ModelManager(_home.Options(_hub, quota: 3 * size), time: _time);
        foreach (var name in new[] { "a", "b", "c" })
        {
            await models.PullAsync($"{Repo}/{name}.gguf");
            _time.Advance(TimeSpan.FromMinutes(1));
        }
        var loaded = models.FindLocal($"{Repo}/a.gguf")!.Path;
        models.IsInUse = path => path == loaded; // a is oldest but loaded; b must go
        var progress = new ProgressLog();

        await models.PullAsync($"{Repo}/d.gguf", progress);

        Assert.Equal(["a.gguf", "c.gguf", "d.gguf"], models.List().Select(m => m.File).Order());
        var notice = Assert.Single(progress.Events, e => e.Phase == ProgressPhase.Evicting);
        Assert.Contains("b.gguf", notice.Text);
        Assert.True(models.GetStorageInfo().UsedBytes <= 3 * size);
    }

    [Fact]
    public async Task ParallelPulls_TogetherStayUnderTheQuota()
    {
        var size = new FileInfo(TestModels.Path("stories260K.gguf")).Length;
        foreach (var name in new[] { "a", "b", "c", "d" })
            _hub.AddFileFrom(Repo, name + ".gguf", TestModels.Path("stories260K.gguf"));
        using var models = new ModelManager(_home.Options(_hub, quota: 3 * size), time: _time);
        foreach (var name in new[] { "a", "b" })
        {
            await models.PullAsync($"{Repo}/{name}.gguf");
            _time.Advance(TimeSpan.FromMinutes(1));
        }
        _hub.BytesPerSecond = 2_000_000; // c and d download at the same time
        var progress = new ProgressLog();

        await Task.WhenAll(models.PullAsync($"{Repo}/c.gguf", progress), models.PullAsync($"{Repo}/d.gguf", progress));

        Assert.Equal(2, _hub.MaxConcurrentCdnGets);
        Assert.Equal(["b.gguf", "c.gguf", "d.gguf"], models.List().Select(m => m.File).Order());
        Assert.True(models.GetStorageInfo().UsedBytes <= 3 * size);
        Assert.Contains("a.gguf", Assert.Single(progress.Events, e => e.Phase == ProgressPhase.Evicting).Text);
        Assert.Equal(0, models.Store.ReservedBytes());
    }

    [Fact]
    public async Task ModelLoadedInTheHost_IsNeverEvicted_UntilItIsUnloaded()
    {
        var size = new FileInfo(TestModels.Path("stories260K.gguf")).Length;
        foreach (var name in new[] { "a", "b", "c", "d" })
            _hub.AddFileFrom(Repo, name + ".gguf", TestModels.Path("stories260K.gguf"));
        using var models = new ModelManager(_home.Options(_hub, quota: 2 * size), time: _time);
        // The host is keyed by file path, as the server keys it; a loaded model holds its file open.
        await using var host = new ModelHost<FileStream>((path, _) => Task.FromResult(File.OpenRead(path)), time: _time);
        models.IsInUse = host.IsLoaded;
        var a = await models.PullAsync($"{Repo}/a.gguf");
        _time.Advance(TimeSpan.FromMinutes(1));
        await models.PullAsync($"{Repo}/b.gguf");
        _time.Advance(TimeSpan.FromMinutes(1));
        await (await host.AcquireAsync(a.Path)).DisposeAsync();          // a is loaded (idle, within its keep-alive)

        await models.PullAsync($"{Repo}/c.gguf");                        // a is the least recently used, but loaded: b goes
        Assert.Equal(["a.gguf", "c.gguf"], models.List().Select(m => m.File).Order());

        await host.UnloadAsync(a.Path);
        await models.PullAsync($"{Repo}/d.gguf");                        // now a can go
        Assert.Equal(["c.gguf", "d.gguf"], models.List().Select(m => m.File).Order());
    }

    [Fact]
    public async Task Remove_DeletesTheFile_AndRefusesALoadedModel()
    {
        _hub.AddFileFrom(Repo, "a.gguf", TestModels.Path("stories260K.gguf"));
        using var models = new ModelManager(_home.Options(_hub));
        var model = await models.PullAsync($"{Repo}/a.gguf");

        models.IsInUse = path => path == model.Path;
        Assert.Throws<ModelException>(() => models.Remove($"{Repo}/a.gguf"));
        models.IsInUse = _ => false;

        Assert.True(models.Remove($"{Repo}/a.gguf"));
        Assert.False(File.Exists(model.Path));
        Assert.Empty(models.List());
        Assert.False(models.Remove($"{Repo}/a.gguf"));
    }
}
