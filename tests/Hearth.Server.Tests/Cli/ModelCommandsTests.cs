using System.CommandLine;
using Hearth.Core.Models;
using Hearth.Server.Cli;
using Hearth.Server.Tests.Routes;
using Hearth.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Hearth.Server.Tests.Cli;

public sealed class ModelCommandsTests : IDisposable
{
    readonly string _home = Directory.CreateTempSubdirectory("hearth-cli-").FullName;
    readonly StringWriter _out = new();
    readonly IAnsiConsole _console;

    public ModelCommandsTests()
    {
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(_out),
        });
        _console.Profile.Width = 240; // wide enough that tables do not wrap ids
    }

    public void Dispose()
    {
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { }
    }

    Uri _hub = new("http://127.0.0.1:9/");

    ModelManager Manager() => new(new ModelOptions { Home = _home, HubEndpoint = _hub, QuotaBytes = 5_000_000_000 });

    async Task<int> Run(params string[] args)
    {
        var root = new RootCommand
        {
            ModelCommands.CreatePull(Manager, _console),
            ModelCommands.CreateList(Manager, _console),
            ModelCommands.CreateRm(Manager, _console),
        };
        return await root.Parse(args).InvokeAsync();
    }

    void AddStored(string file, int size)
    {
        using var models = Manager();
        var key = StoredModel.KeyFor("org/repo", "main", file);
        Directory.CreateDirectory(Path.GetDirectoryName(models.Store.PathFor(key))!);
        File.WriteAllBytes(models.Store.PathFor(key), new byte[size]);
        models.Store.Add("org/repo", "main", file, size, new string('d', 64));
    }

    [Fact]
    public async Task List_ShowsModelsWithHumanSizes_AndStorage()
    {
        AddStored("small.gguf", 1_500_000);

        Assert.Equal(0, await Run("list"));

        var text = _out.ToString();
        Assert.Contains("org/repo/small.gguf", text);
        Assert.Contains("1.5 MB", text);
        Assert.Contains("of 5.0 GB quota", text);
        Assert.Contains("free on disk", text);
    }

    [Fact]
    public async Task ListCatalog_ShowsWhatFits()
    {
        Assert.Equal(0, await Run("list", "--catalog"));
        var text = _out.ToString();
        Assert.Contains("qwen2.5-0.5b-instruct", text);
        Assert.Contains("(default)", text);
        Assert.Contains("SmolLM2-135M-Instruct-q0f16-MLC", text);
    }

    [Fact]
    public async Task Rm_DeletesAndReportsMissingOnes()
    {
        AddStored("a.gguf", 1000);

        Assert.Equal(0, await Run("rm", "org/repo/a.gguf"));
        Assert.Contains("Deleted", _out.ToString());
        Assert.Equal(1, await Run("rm", "org/repo/a.gguf"));
        Assert.Contains("not downloaded", _out.ToString());
        using var models = Manager();
        Assert.Empty(models.List());
    }

    [Fact]
    public async Task Pull_OfALocalFile_IsReadyAtOnce_AndABadNameFailsClearly()
    {
        Assert.Equal(0, await Run("pull", TestModels.Path("stories260K.gguf")));
        Assert.Contains("is ready", _out.ToString());

        Assert.Equal(1, await Run("pull", "gpt-9"));
        Assert.Contains("error:", _out.ToString());
        Assert.Contains("not a catalog model", _out.ToString());
    }

    [Fact]
    public async Task Ps_AsksTheServer()
    {
        await using var modelHost = new ModelHost<object>((key, _) => Task.FromResult<object>(key));
        await using var host = await ModelRoutesHost.StartAsync(modelHost);
        await using var lease = await modelHost.AcquireAsync("/models/tiny.gguf");
        var ps = ModelCommands.CreatePs(() => host.Client.BaseAddress!, _console);

        Assert.Equal(0, await new RootCommand { ps }.Parse(["ps"]).InvokeAsync());

        Assert.Contains("tiny.gguf", _out.ToString());
        Assert.Contains("loaded", _out.ToString());
        var down = ModelCommands.CreatePs(() => new Uri("http://127.0.0.1:9/"), _console);
        Assert.Equal(1, await new RootCommand { down }.Parse(["ps"]).InvokeAsync());
    }

    [Fact]
    public async Task Pull_DownloadsFromTheHub_ThenListShowsIt()
    {
        // The plainest Hub: resolve answers with the bytes (Range supported), no redirect and no published hash.
        var bytes = await File.ReadAllBytesAsync(TestModels.Path("stories260K.gguf"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapMethods("/{owner}/{repo}/resolve/{rev}/{file}", ["GET", "HEAD"],
            () => Results.Bytes(bytes, "application/octet-stream", enableRangeProcessing: true));
        await app.StartAsync();
        _hub = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        Assert.Equal(0, await Run("pull", "org/stories/stories260K.gguf"));
        Assert.Equal(0, await Run("list"));

        var text = _out.ToString();
        Assert.Contains("is ready (1.2 MB)", text);
        Assert.Contains("org/stories/stories260K.gguf", text);
        using var models = Manager();
        Assert.Equal(bytes.Length, models.FindLocal("org/stories/stories260K.gguf")!.Size);
    }
}
