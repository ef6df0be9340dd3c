using System.Security.Cryptography;
using Hearth.Core.Models;
using Hearth.Tests;

namespace Hearth.Core.Tests.Models;

/// <summary>A Hub and CDN that misbehave: errors, dropped connections, wrong ranges, files that change between attempts.</summary>
public sealed class FlakyHubTests : IAsyncLifetime
{
    const string Repo = "test-org/tiny-GGUF";
    FakeHub _hub = null!;
    readonly TempHome _home = new();

    public async Task InitializeAsync() => _hub = await FakeHub.StartAsync();

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        _home.Dispose();
    }

    static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public async Task ServerErrorsAndDroppedConnections_AreRetried_OnTheHubAndTheCdn()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", TestModels.Path("stories260K.gguf"));
        _hub.FailResolve = n => n switch { 1 => 503, 2 => 0, 3 => 429, _ => null };   // the HEAD fails three ways
        _hub.FailCdn = n => n switch { 1 => 502, 2 => 0, 3 => 500, _ => null };       // and so do the first GETs
        using var models = new ModelManager(_home.Options(_hub));
        var progress = new ProgressLog();

        var model = await models.PullAsync($"{Repo}/{file.File}", progress);

        Assert.Equal(file.Sha256, Sha(model.Path));
        Assert.Single(_hub.Gets);                                       // one body served, after the failures
        var retries = progress.Events.Where(e => e.Phase == ProgressPhase.Retrying).Select(e => e.Text!).ToList();
        Assert.True(retries.Count >= 6, string.Join("\n", retries));
        Assert.Contains(retries, t => t.Contains("503"));
        Assert.Contains(retries, t => t.Contains("502"));
    }

    [Fact]
    public async Task HubThatStaysDown_GivesUp_WithATypedErrorNamingTheFile()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", TestModels.Path("stories260K.gguf"));
        _hub.FailResolve = _ => 503;
        using var models = new ModelManager(_home.Options(_hub) with { MaxAttemptsWithoutProgress = 3 });

        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => models.PullAsync($"{Repo}/{file.File}"));

        Assert.Contains(file.File, error.Message);
        Assert.Contains("503", error.Message);
        Assert.Equal(3, _hub.Requests.Count(r => r.Path.Contains("/resolve/")));
        Assert.Empty(models.List());
    }

    [Fact]
    public async Task ListingFailures_AreRetried_ForHubQuantNames()
    {
        _hub.AddFileFrom(Repo, "tiny-Q8_0.gguf", TestModels.Path("stories260K.gguf"));
        var calls = 0;
        using var models = new ModelManager(_home.Options(_hub));
        _hub.FailListing = () => ++calls <= 2;

        var model = await models.PullAsync($"hf.co/{Repo}:Q8_0");

        Assert.EndsWith("tiny-Q8_0.gguf", model.Path);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task PartialContentFromTheWrongOffset_IsRefused_AndTheKeptBytesAreNotLost()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", TestModels.Path("stories260K.gguf"));
        _hub.CutAfter = (n, _, _) => n == 1 ? 300_000 : null;
        _hub.MisplaceRange = n => n == 2;                               // 206, but the bytes start at 0
        using var models = new ModelManager(_home.Options(_hub));

        var model = await models.PullAsync($"{Repo}/{file.File}");

        Assert.Equal(file.Sha256, Sha(model.Path));
        var gets = _hub.Gets.OrderBy(g => g.Number).ToList();
        Assert.Equal(3, gets.Count);
        Assert.InRange(gets[2].From, 1, 300_000);                       // resumed from the bytes the first GET left
    }

    [Fact]
    public async Task FileChangedOnTheHub_BetweenAttempts_StartsOver_AndGetsTheNewFile()
    {
        _hub.AddFileFrom(Repo, "model.gguf", TestModels.Path("stories260K.gguf"));
        _hub.CutAfter = (n, _, _) => n == 1 ? 400_000 : null;
        using (var first = new ModelManager(_home.Options(_hub) with { MaxAttemptsWithoutProgress = 1 }))
            await Assert.ThrowsAsync<ModelDownloadException>(() => first.PullAsync($"{Repo}/model.gguf"));
        Assert.Contains(_home.ModelFiles(), f => f.EndsWith(".partial"));

        var updated = _hub.AddFileFrom(Repo, "model.gguf", TestModels.Path("tiny-llama2-spm-q4_0.gguf"));
        using var second = new ModelManager(_home.Options(_hub));
        var model = await second.PullAsync($"{Repo}/model.gguf");

        Assert.Equal(updated.Sha256, Sha(model.Path));
        Assert.Equal(0, _hub.Gets.OrderBy(g => g.Number).Last().From);  // the old version's bytes were not resumed
    }

    [Fact]
    public async Task CompleteFileMissingFromTheIndex_IsKeptIfItsHashIsRight_ElseFetchedAgain()
    {
        var good = _hub.AddFileFrom(Repo, "good.gguf", TestModels.Path("stories260K.gguf"));
        var bad = _hub.AddFileFrom(Repo, "bad.gguf", TestModels.Path("stories260K.gguf"));
        using var models = new ModelManager(_home.Options(_hub));
        // what a process killed between the rename and the index update leaves behind
        foreach (var (name, content) in new[] { ("good.gguf", good.Content), ("bad.gguf", Flip(bad.Content)) })
        {
            var path = models.Store.PathFor(StoredModel.KeyFor(Repo, "main", name));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
        }
        Assert.Empty(models.List());

        var kept = await models.PullAsync($"{Repo}/good.gguf");
        var fetched = await models.PullAsync($"{Repo}/bad.gguf");

        Assert.Equal(good.Sha256, Sha(kept.Path));
        Assert.Equal(bad.Sha256, Sha(fetched.Path));
        Assert.Equal(["bad.gguf"], _hub.Gets.Select(g => g.File));     // only the damaged one was downloaded
        Assert.Equal(2, models.List().Count);
    }

    [Fact]
    public async Task ManyConcurrentPulls_FromManyThreads_ShareOneDownload()
    {
        for (var round = 0; round < 4; round++)
        {
            var file = _hub.AddFileFrom(Repo, $"r{round}.gguf", TestModels.Path("stories260K.gguf"));
            using var models = new ModelManager(_home.Options(_hub));
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var pulls = Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
            {
                await start.Task;
                return i == 0 ? (await models.Jobs.WaitAsync(models.StartPull($"{Repo}/{file.File}").Id)).Status.ToString()
                              : (await models.PullAsync($"{Repo}/{file.File}")).Path;
            })).ToList();
            start.SetResult();
            var results = await Task.WhenAll(pulls);

            Assert.Equal("Succeeded", results[0]);
            Assert.Single(results.Skip(1).Distinct());
            Assert.Equal(1, _hub.Gets.Count(g => g.File == file.File));
            Assert.Equal(file.Sha256, Sha(results[1]));
        }
    }

    [Fact]
    public async Task Progress_CarriesPhaseBytesTotalSpeedAndEta()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", TestModels.Path("stories260K.gguf"));
        _hub.BytesPerSecond = 1_500_000;
        using var models = new ModelManager(_home.Options(_hub));
        var progress = new ProgressLog();

        await models.PullAsync($"{Repo}/{file.File}", progress);

        var events = progress.Events;
        Assert.Equal(ProgressPhase.Resolving, events[0].Phase);
        var downloading = events.Where(e => e.Phase == ProgressPhase.Downloading).ToList();
        Assert.True(downloading.Count >= 2, $"{downloading.Count} download events");
        Assert.All(downloading, e => Assert.Equal(file.Content.Length, e.Total));
        Assert.True(downloading.Zip(downloading.Skip(1)).All(p => p.First.Bytes <= p.Second.Bytes), "bytes go up");
        Assert.Contains(downloading, e => e.BytesPerSecond > 100_000 && e.EtaSeconds is > 0 and < 10);
        Assert.Equal(file.Content.Length, downloading[^1].Bytes);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.ElapsedSeconds <= p.Second.ElapsedSeconds), "time goes up");
        var done = events[^1];
        Assert.Equal(ProgressPhase.Done, done.Phase);
        Assert.Equal((long)file.Content.Length, done.Bytes);
        Assert.Equal(1.0, done.Progress);
        Assert.Contains("sha256 verified", done.Text);
    }

    static byte[] Flip(byte[] content)
    {
        var copy = (byte[])content.Clone();
        copy[copy.Length / 3] ^= 0x11;
        return copy;
    }
}
