using System.Security.Cryptography;
using Hearth.Core.Models;
using Hearth.Tests;

namespace Hearth.Core.Tests.Models;

public sealed class DownloadTests : IAsyncLifetime
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
    public async Task Resume_AfterManyRandomCuts_GivesTheRightSha256()
    {
        var file = _hub.AddFileFrom(Repo, "tiny-llama2-spm-q4_0.gguf", TestModels.Path("tiny-llama2-spm-q4_0.gguf"));
        var random = new Random(4);
        var cuts = Enumerable.Range(0, 40).Select(_ => (long)random.Next(1, 150_000)).ToArray();
        _hub.CutAfter = (n, _, _) => n <= cuts.Length ? cuts[n - 1] : null;
        using var models = new ModelManager(_home.Options(_hub));
        var progress = new ProgressLog();

        var model = await models.PullAsync($"{Repo}/{file.File}", progress);

        Assert.Equal(file.Sha256, Sha(model.Path));
        Assert.Equal(file.Content.Length, model.Size);
        var gets = _hub.Gets.OrderBy(g => g.Number).ToList();
        Assert.Equal(cuts.Length + 1, gets.Count);
        Assert.Equal(1, gets.Count(g => g.From == 0));               // one fresh start, every other GET resumed
        for (var i = 1; i < gets.Count; i++)
        {
            // each GET resumed from the bytes kept so far: never behind the last start, never past what was sent
            Assert.InRange(gets[i].From, gets[i - 1].From, gets[i - 1].From + gets[i - 1].Sent);
        }
        Assert.Contains(progress.Events, e => e.Phase == ProgressPhase.Retrying);
        Assert.Equal(ProgressPhase.Done, progress.Events[^1].Phase);
        Assert.DoesNotContain(_home.ModelFiles(), f => f.EndsWith(".partial"));
        Assert.Equal(file.Sha256, models.Store.List().Single().Sha256);
    }

    [Fact]
    public async Task Resume_ContinuesThePartialFileOfAnEarlierRun()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", TestModels.Path("stories260K.gguf"));
        _hub.BytesPerSecond = 2_000_000;
        using (var first = new ModelManager(_home.Options(_hub)))
        {
            using var cts = new CancellationTokenSource();
            var progress = new Progress<ProgressEvent>(e => { if (e.Bytes > 300_000 && e.Phase == ProgressPhase.Downloading) cts.Cancel(); });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.PullAsync($"{Repo}/{file.File}", progress, cts.Token));
            Assert.Null(first.FindLocal($"{Repo}/{file.File}"));
        }
        var partial = Assert.Single(_home.ModelFiles(), f => f.EndsWith(".partial"));
        var kept = new FileInfo(partial).Length;
        Assert.InRange(kept, 1, file.Content.Length - 1);

        _hub.BytesPerSecond = 0;
        using var second = new ModelManager(_home.Options(_hub));
        var model = await second.PullAsync($"{Repo}/{file.File}");

        Assert.Equal(file.Sha256, Sha(model.Path));
        Assert.Equal(kept, _hub.Gets.OrderBy(g => g.Number).Last().From);
    }

    [Fact]
    public async Task WrongBytes_AreRefused_AndFetchedAgain()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", TestModels.Path("stories260K.gguf"));
        _hub.Corrupt = n => n == 1;
        using var models = new ModelManager(_home.Options(_hub));
        var progress = new ProgressLog();

        var model = await models.PullAsync($"{Repo}/{file.File}", progress);

        Assert.Equal(file.Sha256, Sha(model.Path));
        Assert.Equal(2, _hub.FullGets(file.File));
        Assert.Contains(progress.Events, e => e.Phase == ProgressPhase.Retrying && e.Text!.Contains("sha256 mismatch"));
    }

    [Fact]
    public async Task WrongPublishedHash_FailsAfterTwoFetches_AndLeavesNothing()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", TestModels.Path("stories260K.gguf"));
        _hub.PublishSha256 = new string('a', 64);
        using var models = new ModelManager(_home.Options(_hub));

        var error = await Assert.ThrowsAsync<ModelIntegrityException>(() => models.PullAsync($"{Repo}/{file.File}"));

        Assert.Contains(new string('a', 64), error.Message);
        Assert.Equal(2, _hub.FullGets(file.File));
        Assert.DoesNotContain(_home.ModelFiles(), f => !f.EndsWith(".json"));
        Assert.Empty(models.List());
        Assert.Null(models.FindLocal($"{Repo}/{file.File}"));
    }

    [Fact]
    public async Task CatalogHash_WinsOverTheHub()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", TestModels.Path("stories260K.gguf"));
        var entry = new CatalogEntry
        {
            Id = "stories", Runtime = ModelRuntime.Gguf, Name = "Stories", Repo = Repo, File = file.File,
            Sha256 = new string('b', 64), Quantization = "F32", License = "mit", SizeBytes = file.Content.Length,
        };
        using var models = new ModelManager(_home.Options(_hub), new ModelCatalog([entry]));

        await Assert.ThrowsAsync<ModelIntegrityException>(() => models.PullAsync("stories"));

        Assert.Empty(models.List());
    }

    [Fact]
    public async Task CorruptedPartialFile_IsCaught_AndFetchedAgainFromScratch()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", TestModels.Path("stories260K.gguf"));
        _hub.CutAfter = (n, _, _) => n == 1 ? 500_000 : null;
        var options = _home.Options(_hub) with { MaxAttemptsWithoutProgress = 1 };
        using (var first = new ModelManager(options))
            await Assert.ThrowsAsync<ModelDownloadException>(() => first.PullAsync($"{Repo}/{file.File}"));
        var partial = Assert.Single(_home.ModelFiles(), f => f.EndsWith(".partial"));
        await using (var stream = File.OpenWrite(partial)) { stream.Position = 1000; stream.WriteByte(0xff); }

        using var second = new ModelManager(_home.Options(_hub));
        var model = await second.PullAsync($"{Repo}/{file.File}");

        Assert.Equal(file.Sha256, Sha(model.Path));
        Assert.Equal(2, _hub.FullGets(file.File)); // the damaged resume was thrown away
    }

    [Fact]
    public async Task ConcurrentPullsOfOneModel_ShareOneDownload()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", TestModels.Path("stories260K.gguf"));
        _hub.BytesPerSecond = 4_000_000;
        using var models = new ModelManager(_home.Options(_hub));
        var progressA = new ProgressLog();
        var progressB = new ProgressLog();

        var pulls = await Task.WhenAll(
            models.PullAsync($"{Repo}/{file.File}", progressA),
            models.PullAsync($"hf.co/{Repo}/{file.File}".Replace("hf.co/", ""), progressB),
            Task.Run(() => models.PullAsync($"{Repo}/{file.File}")));

        Assert.Single(_hub.Gets);
        Assert.All(pulls, p => Assert.Equal(pulls[0].Path, p.Path));
        Assert.Contains(progressB.Events, e => e.Phase == ProgressPhase.Downloading);
    }

    [Fact]
    public async Task CancellingOneOfTwoWaiters_LeavesTheDownloadRunning()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", TestModels.Path("stories260K.gguf"));
        _hub.BytesPerSecond = 3_000_000;
        using var models = new ModelManager(_home.Options(_hub));
        using var cts = new CancellationTokenSource();

        var leaving = models.PullAsync($"{Repo}/{file.File}", null, cts.Token);
        var staying = models.PullAsync($"{Repo}/{file.File}");
        await Task.Delay(100);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        Assert.Equal(file.Sha256, Sha((await staying).Path));
        Assert.Single(_hub.Gets);
    }

    [Fact]
    public async Task DownloadsOfDifferentFiles_RunInParallelUpToTheBound()
    {
        for (var i = 0; i < 4; i++) _hub.AddFileFrom(Repo, $"m{i}.gguf", TestModels.Path("stories260K.gguf"));
        _hub.BytesPerSecond = 3_000_000;
        using var models = new ModelManager(_home.Options(_hub, parallel: 2));

        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => models.PullAsync($"{Repo}/m{i}.gguf")));

        Assert.Equal(2, _hub.MaxConcurrentCdnGets);
        Assert.Equal(4, models.List().Count);
    }

    [Fact]
    public async Task Token_GoesToTheHub_NeverToTheCdn()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", TestModels.Path("stories260K.gguf"));
        _hub.RequiredToken = "hf_secret";
        using (var anonymous = new ModelManager(_home.Options(_hub)))
        {
            var denied = await Assert.ThrowsAsync<ModelAccessDeniedException>(() => anonymous.PullAsync($"{Repo}/{file.File}"));
            Assert.Contains("HF_TOKEN", denied.Message);
        }
        using var models = new ModelManager(_home.Options(_hub, token: "hf_secret"));

        await models.PullAsync($"{Repo}/{file.File}");

        Assert.Contains(_hub.Requests, r => r.Path.Contains("/resolve/") && r.Authorization == "Bearer hf_secret");
        Assert.All(_hub.Requests.Where(r => r.Path.StartsWith("/cdn/")), r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task HubQuantName_PicksTheFileFromTheRepositoryListing()
    {
        _hub.AddFileFrom(Repo, "tiny-Q4_0.gguf", TestModels.Path("tiny-llama2-spm-q4_0.gguf"));
        var q8 = _hub.AddFileFrom(Repo, "tiny-Q8_0.gguf", TestModels.Path("tiny-llama2-spm-q8_0.gguf"));
        using var models = new ModelManager(_home.Options(_hub));

        var model = await models.PullAsync($"hf.co/{Repo}:q8_0");

        Assert.Equal(q8.Sha256, Sha(model.Path));
        Assert.Equal(model.Path, models.FindLocal($"hf.co/{Repo}:Q8_0")!.Path);
        await Assert.ThrowsAsync<ModelNotFoundException>(() => models.PullAsync($"hf.co/{Repo}:Q6_K"));
    }

    [Fact]
    public async Task ServerThatIgnoresRange_StartsOverAndStillFinishes()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", TestModels.Path("stories260K.gguf"));
        _hub.IgnoreRange = true;
        _hub.CutAfter = (n, _, _) => n <= 2 ? 200_000 : null;
        using var models = new ModelManager(_home.Options(_hub));

        var model = await models.PullAsync($"{Repo}/{file.File}");

        Assert.Equal(file.Sha256, Sha(model.Path));
    }

    [Fact]
    public async Task MissingFile_IsATypedError()
    {
        using var models = new ModelManager(_home.Options(_hub));
        var error = await Assert.ThrowsAsync<ModelNotFoundException>(() => models.PullAsync($"{Repo}/nope.gguf"));
        Assert.Contains("nope.gguf", error.Message);
    }
}

public sealed class PullJobTests : IAsyncLifetime
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

    [Fact]
    public async Task PullJob_KeepsGoingWhenItsClientLeaves_AndAnotherClientCanAttach()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", Hearth.Tests.TestModels.Path("stories260K.gguf"));
        _hub.BytesPerSecond = 2_000_000;
        using var models = new ModelManager(_home.Options(_hub));
        var job = models.StartPull($"{Repo}/{file.File}");
        Assert.Equal(job.Id, models.StartPull($"{Repo}/{file.File}").Id); // a second request joins the same job

        using (var leave = new CancellationTokenSource())
        {
            await foreach (var e in models.Jobs.SubscribeAsync(job.Id, leave.Token).WithCancellation(leave.Token))
            {
                if (e.Job.Progress?.Phase == ProgressPhase.Downloading) break; // the first client goes away mid-download
            }
        }
        var seen = new List<Hearth.Core.Jobs.JobEvent>();
        await foreach (var e in models.Jobs.SubscribeAsync(job.Id)) seen.Add(e);

        Assert.Equal(Hearth.Core.Jobs.JobEventType.State, seen[0].Type);
        Assert.True(seen[0].Job.Progress is not null); // the late client starts from where the job is
        Assert.Equal(Hearth.Core.Jobs.JobStatus.Succeeded, seen[^1].Job.Status);
        Assert.Equal(ProgressPhase.Done, seen[^1].Job.Progress!.Phase);
        Assert.NotNull(models.FindLocal($"{Repo}/{file.File}"));
        Assert.Single(_hub.Gets);
    }

    [Fact]
    public async Task CancellingAPullJob_StopsTheDownload_AndKeepsThePartialForLater()
    {
        var file = _hub.AddFileFrom(Repo, "stories260K.gguf", Hearth.Tests.TestModels.Path("stories260K.gguf"));
        _hub.BytesPerSecond = 1_000_000;
        using var models = new ModelManager(_home.Options(_hub));
        var job = models.StartPull($"{Repo}/{file.File}");
        await foreach (var e in models.Jobs.SubscribeAsync(job.Id))
            if (e.Job.Progress is { Phase: ProgressPhase.Downloading, Bytes: > 100_000 }) break;

        Assert.True(models.Jobs.Cancel(job.Id));
        var final = await models.Jobs.WaitAsync(job.Id).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Hearth.Core.Jobs.JobStatus.Canceled, final.Status);
        Assert.Null(models.FindLocal($"{Repo}/{file.File}"));
        Assert.Contains(_home.ModelFiles(), f => f.EndsWith(".partial") && new FileInfo(f).Length > 0);
    }
}
