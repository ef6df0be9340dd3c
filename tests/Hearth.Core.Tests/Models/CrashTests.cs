using System.Diagnostics;
using System.Security.Cryptography;
using Hearth.Core.Models;
using Hearth.Tests;

namespace Hearth.Core.Tests.Models;

/// <summary>Kills a downloading process (SIGKILL) and shows that nothing incomplete is ever taken for a model.</summary>
public sealed class CrashTests : IAsyncLifetime
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
    public async Task KilledMidDownload_LeavesNoModel_AndTheNextRunResumes()
    {
        var file = _hub.AddFileFrom(Repo, "model-Q4_0.gguf", TestModels.Path("tiny-llama2-spm-q4_0.gguf"));
        var name = $"{Repo}/{file.File}";
        _hub.BytesPerSecond = 1_500_000;
        var options = _home.Options(_hub);
        var final = new ModelStore(options.ModelsDir).PathFor(StoredModel.KeyFor(Repo, "main", file.File));
        var partial = FileDownloader.PartialPath(final);

        foreach (var killAt in new[] { 600_000L, 1_800_000L })
        {
            using var probe = StartProbe(options, name);
            await WaitUntil(() => File.Exists(partial) && new FileInfo(partial).Length > killAt, probe);
            probe.Kill(entireProcessTree: true);
            await probe.WaitForExitAsync();

            Assert.False(File.Exists(final));
            using var models = new ModelManager(options);
            Assert.Null(models.FindLocal(name));
            Assert.Empty(models.List());
            Assert.InRange(new FileInfo(partial).Length, killAt, file.Content.Length - 1);
        }

        _hub.BytesPerSecond = 0;
        using (var probe = StartProbe(options, name))
        {
            var output = await probe.StandardOutput.ReadToEndAsync();
            await probe.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(probe.ExitCode == 0, output + await probe.StandardError.ReadToEndAsync());
            Assert.Contains("complete", output);
        }

        Assert.Equal(file.Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(final))));
        Assert.False(File.Exists(partial));
        Assert.Equal(1, _hub.FullGets(file.File));                    // each run continued the last one's bytes
        Assert.True(_hub.Gets.Count(g => g.From > 0) >= 2);
        using var after = new ModelManager(options);
        Assert.Equal(final, after.FindLocal(name)!.Path);
    }

    static Process StartProbe(ModelOptions options, string name)
    {
        var info = new ProcessStartInfo(DotnetHost(), [ProbePath(), options.Home, options.HubEndpoint.ToString(), name])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(info)!;
    }

    static async Task WaitUntil(Func<bool> condition, Process probe)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            if (probe.HasExited) Assert.Fail("the probe exited early: " + await probe.StandardError.ReadToEndAsync());
            if (DateTime.UtcNow > deadline) Assert.Fail("the partial file never grew");
            await Task.Delay(10);
        }
    }

    static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    // The probe is built beside this test project: tests/Hearth.DownloadProbe/bin/{Configuration}/{tfm}/.
    static string ProbePath()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = here.Name;
        var configuration = here.Parent!.Name;
        var tests = here.Parent.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(tests, "Hearth.DownloadProbe", "bin", configuration, tfm, "Hearth.DownloadProbe.dll");
        Assert.True(File.Exists(path), $"build tests/Hearth.DownloadProbe first ({path} is missing)");
        return path;
    }
}
