using System.Collections.Concurrent;
using Hearth.Core.Models;

namespace Hearth.Core.Tests.Models;

public sealed class ModelHostTests
{
    /// <summary>A stand-in for an engine model: records its disposal.</summary>
    sealed class FakeModel(string key) : IAsyncDisposable
    {
        public string Key { get; } = key;
        public bool Disposed { get; private set; }
        public ValueTask DisposeAsync() { Disposed = true; return ValueTask.CompletedTask; }
    }

    readonly ConcurrentDictionary<string, int> _loads = new();
    readonly ConcurrentBag<FakeModel> _models = [];
    readonly ManualTime _time = new();
    TaskCompletionSource? _gate;

    ModelHost<FakeModel> Host(int maxLoaded = 1, TimeSpan? keepAlive = null, TimeProvider? time = null, TimeSpan? sweep = null) =>
        new(async (key, ct) =>
        {
            _loads.AddOrUpdate(key, 1, (_, n) => n + 1);
            if (_gate is not null) await _gate.Task.WaitAsync(ct);
            if (key.StartsWith("broken")) throw new InvalidDataException($"{key} is not a model");
            var model = new FakeModel(key);
            _models.Add(model);
            return model;
        }, new ModelHostOptions { MaxLoaded = maxLoaded, DefaultKeepAlive = keepAlive ?? TimeSpan.FromMinutes(5), SweepInterval = sweep ?? TimeSpan.FromHours(1) }, time ?? _time);

    [Fact]
    public async Task ConcurrentRequestsForOneModel_ShareOneLoad()
    {
        await using var host = Host();
        _gate = new TaskCompletionSource();

        var leases = Enumerable.Range(0, 5).Select(_ => host.AcquireAsync("a")).ToList();
        await Task.Delay(50);
        _gate.SetResult();
        var all = await Task.WhenAll(leases);

        Assert.Equal(1, _loads["a"]);
        Assert.All(all, l => Assert.Same(all[0].Model, l.Model));
        Assert.Equal(5, host.Loaded.Single().InUse);
        foreach (var l in all) await l.DisposeAsync();
        Assert.Equal(0, host.Loaded.Single().InUse);
    }

    [Fact]
    public async Task LoadingAnother_UnloadsTheIdleOne_WhenOnlyOneMayBeLoaded()
    {
        await using var host = Host(maxLoaded: 1);
        var a = await host.AcquireAsync("a");
        await a.DisposeAsync();

        await using var b = await host.AcquireAsync("b");

        Assert.True(a.Model.Disposed);
        Assert.Equal(["b"], host.Loaded.Select(m => m.Key));
    }

    [Fact]
    public async Task AModelInUse_IsNeverUnloaded_TheNextLoadWaits()
    {
        await using var host = Host(maxLoaded: 1);
        var a = await host.AcquireAsync("a");

        var b = host.AcquireAsync("b");
        await Task.Delay(100);
        Assert.False(b.IsCompleted);
        Assert.False(a.Model.Disposed);
        await host.SweepAsync();
        Assert.False(a.Model.Disposed);

        await a.DisposeAsync();
        await using var lease = await b.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(a.Model.Disposed);
    }

    [Fact]
    public async Task MaxLoaded_KeepsSeveral_AndEvictsTheLeastRecentlyUsed()
    {
        await using var host = Host(maxLoaded: 2);
        await (await host.AcquireAsync("a")).DisposeAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        await (await host.AcquireAsync("b")).DisposeAsync();
        _time.Advance(TimeSpan.FromSeconds(1));
        await (await host.AcquireAsync("a")).DisposeAsync(); // a is now more recent than b
        _time.Advance(TimeSpan.FromSeconds(1));

        await (await host.AcquireAsync("c")).DisposeAsync();

        Assert.Equal(["a", "c"], host.Loaded.Select(m => m.Key).Order());
        Assert.Equal(1, _loads["a"]);
    }

    [Fact]
    public async Task IdleModel_UnloadsAfterItsKeepAlive()
    {
        await using var host = Host(keepAlive: TimeSpan.FromMinutes(5));
        var lease = await host.AcquireAsync("a");
        _time.Advance(TimeSpan.FromMinutes(10));
        await host.SweepAsync();
        Assert.True(host.IsLoaded("a")); // in use: the clock does not matter

        await lease.DisposeAsync();
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(5), host.Loaded.Single().ExpiresAt);
        _time.Advance(TimeSpan.FromMinutes(4));
        await host.SweepAsync();
        Assert.True(host.IsLoaded("a"));
        _time.Advance(TimeSpan.FromMinutes(2));
        await host.SweepAsync();
        Assert.False(host.IsLoaded("a"));
        Assert.True(lease.Model.Disposed);
    }

    [Fact]
    public async Task PerRequestKeepAlive_ZeroUnloadsAtOnce_NegativeKeepsForever()
    {
        await using var host = Host(maxLoaded: 2);
        var now = await host.AcquireAsync("now", TimeSpan.Zero);
        var forever = await host.AcquireAsync("forever", TimeSpan.FromSeconds(-1));
        await now.DisposeAsync();
        await forever.DisposeAsync();

        _time.Advance(TimeSpan.FromDays(30));
        await host.SweepAsync();

        Assert.True(now.Model.Disposed);
        Assert.Equal(["forever"], host.Loaded.Select(m => m.Key));
        Assert.Null(host.Loaded.Single().ExpiresAt);
    }

    [Fact]
    public async Task TheTimer_UnloadsIdleModelsOnItsOwn()
    {
        await using var host = Host(keepAlive: TimeSpan.FromMilliseconds(50), time: TimeProvider.System, sweep: TimeSpan.FromMilliseconds(20));
        var unloaded = new TaskCompletionSource<string>();
        host.Unloaded += (key, reason) => unloaded.TrySetResult($"{key}:{reason}");
        await (await host.AcquireAsync("a")).DisposeAsync();

        Assert.Equal("a:idle", await unloaded.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(host.Loaded);
    }

    [Fact]
    public async Task FailedLoad_IsReportedToEveryWaiter_AndRetriedNextTime()
    {
        await using var host = Host();
        _gate = new TaskCompletionSource();
        var first = host.AcquireAsync("broken");
        var second = host.AcquireAsync("broken");
        _gate.SetResult();

        await Assert.ThrowsAsync<InvalidDataException>(() => first);
        await Assert.ThrowsAsync<InvalidDataException>(() => second);
        Assert.Empty(host.Loaded);
        await Assert.ThrowsAsync<InvalidDataException>(() => host.AcquireAsync("broken"));
        Assert.Equal(2, _loads["broken"]);
    }

    [Fact]
    public async Task Unload_WaitsForTheLastLease()
    {
        await using var host = Host();
        var lease = await host.AcquireAsync("a");

        Assert.True(await host.UnloadAsync("a"));
        Assert.False(lease.Model.Disposed);
        await lease.DisposeAsync();
        await lease.DisposeAsync(); // a second dispose is harmless

        Assert.True(lease.Model.Disposed);
        Assert.False(await host.UnloadAsync("a"));
    }

    [Fact]
    public async Task Dispose_UnloadsEverything()
    {
        var host = Host(maxLoaded: 2);
        var a = await host.AcquireAsync("a");
        await (await host.AcquireAsync("b")).DisposeAsync();

        await host.DisposeAsync();

        Assert.All(_models, m => Assert.True(m.Disposed));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => host.AcquireAsync("a"));
        _ = a;
    }
}

public sealed class KeepAliveTests
{
    [Theory]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("250ms", 250)]
    [InlineData("300", 300_000)]
    [InlineData("0", 0)]
    [InlineData("1.5s", 1_500)]
    public void Durations_ReadAsOllamaDoes(string text, long milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), KeepAlive.Parse(text));

    [Theory]
    [InlineData("-1")]
    [InlineData("-1m")]
    public void Negative_MeansForever(string text) =>
        Assert.True(KeepAlive.Parse(text) < TimeSpan.Zero);

    [Fact]
    public void JsonNumbersAndStrings_AreAccepted_AndNonsenseIsRefused()
    {
        Assert.Equal(TimeSpan.FromSeconds(10), KeepAlive.Parse(System.Text.Json.JsonDocument.Parse("10").RootElement));
        Assert.Equal(TimeSpan.FromMinutes(2), KeepAlive.Parse(System.Text.Json.JsonDocument.Parse("\"2m\"").RootElement));
        Assert.Null(KeepAlive.Parse((System.Text.Json.JsonElement?)null));
        Assert.Throws<FormatException>(() => KeepAlive.Parse("soon"));
        Assert.Throws<FormatException>(() => KeepAlive.Parse(System.Text.Json.JsonDocument.Parse("true").RootElement));
    }
}
