using Hearth.Core.Models;
using Hearth.Tests;

namespace Hearth.Core.Tests.Models;

public sealed class CatalogTests
{
    readonly ModelCatalog _catalog = ModelCatalog.Default;

    [Fact]
    public void EmbeddedCatalog_HasCompleteEntriesForEveryRuntime()
    {
        Assert.Contains(_catalog.Entries, e => e.Runtime == ModelRuntime.Gguf);
        Assert.Contains(_catalog.Entries, e => e.Runtime == ModelRuntime.WebLlm);
        Assert.Equal(_catalog.Entries.Count, _catalog.Entries.Select(e => e.Id.ToLowerInvariant()).Distinct().Count());
        foreach (var e in _catalog.Entries)
        {
            Assert.Matches(@"^[\w.-]+/[\w.-]+$", e.Repo);
            Assert.False(string.IsNullOrWhiteSpace(e.License));
            Assert.True(e.ContextLength >= 2048, e.Id);
            Assert.True(e.Sha256 is null || HubClient.IsSha256(e.Sha256), e.Id);
            Assert.True(e.MemoryNeeded(4096) > 0, e.Id);
        }
        foreach (var e in _catalog.ForRuntime(ModelRuntime.Gguf))
        {
            Assert.EndsWith(".gguf", e.File);
            Assert.NotNull(e.Shape);
            Assert.True(e.MemoryNeeded(4096) > e.SizeBytes, e.Id);
        }
        foreach (var e in _catalog.ForRuntime(ModelRuntime.WebLlm))
        {
            Assert.EndsWith("-MLC", e.Id);
            Assert.Equal("mlc-ai/" + e.Id, e.Repo);
        }
    }

    [Fact]
    public void DefaultModel_IsASmallLowMemoryGgufInstructModel()
    {
        var model = _catalog.DefaultModel;
        Assert.Equal(ModelRuntime.Gguf, model.Runtime);
        Assert.True(model.LowMemory);
        Assert.Contains("instruct", model.Id);
        Assert.Single(_catalog.Entries, e => e.Default);
    }

    [Fact]
    public void CatalogKnowsTheModelsTheIssueNames()
    {
        Assert.Equal("qwen2.5-0.5b-instruct-q8_0.gguf", _catalog.Find("qwen2.5-0.5b-instruct")!.File);
        Assert.Equal("bartowski/SmolLM2-135M-Instruct-GGUF", _catalog.Find("SmolLM2-135M-Instruct")!.Repo);
        Assert.NotNull(_catalog.Find("SmolLM2-135M-Instruct-q0f16-MLC"));
        Assert.NotNull(_catalog.Find("Llama-3.2-1B-Instruct-q4f16_1-MLC"));
        Assert.NotNull(_catalog.Find("phi-3.5-mini-instruct"));
    }

    [Fact]
    public void LargestThatFits_PicksTheBiggestUnderTheLimit()
    {
        var small = _catalog.Find("smollm2-135m-instruct")!;
        var fits = _catalog.LargestThatFits(small.MemoryNeeded(4096) + 1);
        Assert.Equal(small.Id, fits!.Id);
        Assert.Null(_catalog.LargestThatFits(1000));
    }

    [Theory]
    [InlineData("qwen2.5-0.5b-instruct", ModelSourceKind.Catalog, "Qwen/Qwen2.5-0.5B-Instruct-GGUF", "qwen2.5-0.5b-instruct-q8_0.gguf", null)]
    [InlineData("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", ModelSourceKind.HubQuant, "bartowski/Llama-3.2-1B-Instruct-GGUF", null, "Q4_K_M")]
    [InlineData("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF", ModelSourceKind.HubQuant, "bartowski/Llama-3.2-1B-Instruct-GGUF", null, "Q4_K_M")]
    [InlineData("huggingface.co/owner/repo:q8_0", ModelSourceKind.HubQuant, "owner/repo", null, "q8_0")]
    [InlineData("owner/repo:iq4_xs", ModelSourceKind.HubQuant, "owner/repo", null, "iq4_xs")]
    [InlineData("owner/repo/sub/dir/model-Q8_0.gguf", ModelSourceKind.HubFile, "owner/repo", "sub/dir/model-Q8_0.gguf", null)]
    public void Names_AreReadAsCatalogHubOrLocal(string name, ModelSourceKind kind, string repo, string? file, string? quant)
    {
        var r = ModelReference.Parse(name, _catalog);
        Assert.Equal(kind, r.Kind);
        Assert.Equal(repo, r.Repo);
        if (file is not null) Assert.Equal(file, r.File);
        Assert.Equal(quant ?? r.Quant, r.Quant);
    }

    [Fact]
    public void LocalPaths_AreLocalFiles_AndMissingOnesAreClearErrors()
    {
        var path = TestModels.Path("stories260K.gguf");
        var r = ModelReference.Parse(path, _catalog);
        Assert.Equal(ModelSourceKind.LocalFile, r.Kind);
        Assert.Equal(Path.GetFullPath(path), r.LocalPath);

        var missing = Assert.Throws<ModelNotFoundException>(() => ModelReference.Parse("/nowhere/model.gguf", _catalog));
        Assert.Contains("/nowhere/model.gguf", missing.Message);
        var unknown = Assert.Throws<ModelNotFoundException>(() => ModelReference.Parse("gpt-9", _catalog));
        Assert.Contains("qwen2.5-0.5b-instruct", unknown.Message); // it lists what exists
        Assert.Throws<ArgumentException>(() => ModelReference.Parse(" ", _catalog));
    }

    [Theory]
    [InlineData("Q4_K_M", "Llama-3.2-1B-Instruct-Q4_K_M.gguf")]
    [InlineData("q8_0", "Llama-3.2-1B-Instruct-Q8_0.gguf")]
    [InlineData("Q6_K", "Q6_K/model-Q6_K-00001-of-00002.gguf")]
    [InlineData("F16", null)]
    public void QuantFile_IsPickedFromAListing(string quant, string? expected)
    {
        string[] files =
        [
            "README.md", "Llama-3.2-1B-Instruct-Q4_K_M.gguf", "Llama-3.2-1B-Instruct-Q4_K_S.gguf",
            "Llama-3.2-1B-Instruct-Q8_0.gguf", "mmproj-Q8_0.gguf",
            "Q6_K/model-Q6_K-00001-of-00002.gguf", "Q6_K/model-Q6_K-00002-of-00002.gguf",
        ];
        Assert.Equal(expected, ModelReference.PickQuantFile(files, quant));
    }

    [Theory]
    [InlineData("500MB", 500_000_000)]
    [InlineData("20GB", 20_000_000_000)]
    [InlineData("1.5 GiB", 1_610_612_736)]
    [InlineData("1024", 1024)]
    public void Sizes_ParseAndFormat(string text, long bytes)
    {
        Assert.Equal(bytes, ByteSize.Parse(text));
        Assert.Throws<FormatException>(() => ByteSize.Parse("lots"));
        Assert.Equal("1.5 GB", ByteSize.Format(1_500_000_000));
        Assert.Equal("138 MB", ByteSize.Format(138_000_000));
    }
}
