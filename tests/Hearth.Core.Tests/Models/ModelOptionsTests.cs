using Hearth.Core.Models;

namespace Hearth.Core.Tests.Models;

public sealed class ModelOptionsTests
{
    static ModelOptions Read(params (string Name, string Value)[] variables) =>
        ModelOptions.FromEnvironment(name => variables.FirstOrDefault(v => v.Name == name).Value);

    [Fact]
    public void Environment_SetsHomeEndpointTokenQuotaAndParallelism()
    {
        var options = Read(("HEARTH_HOME", "/srv/hearth"), ("HEARTH_HF_ENDPOINT", "http://127.0.0.1:8080/mirror"),
            ("HF_TOKEN", "hf_abc"), ("HEARTH_MODELS_QUOTA", "20GB"), ("HEARTH_MAX_DOWNLOADS", "5"));

        Assert.Equal(Path.Combine("/srv/hearth", "models"), options.ModelsDir);
        Assert.Equal("http://127.0.0.1:8080/mirror", options.HubEndpoint.ToString());
        Assert.Equal("hf_abc", options.HubToken);
        Assert.Equal(20_000_000_000, options.QuotaBytes);
        Assert.Equal(5, options.MaxParallelDownloads);
    }

    [Fact]
    public void Defaults_AreTheRealHub_NoQuota_ThreeDownloads_UnderTheUserFolder()
    {
        var options = Read();

        Assert.Equal(new Uri("https://huggingface.co"), options.HubEndpoint);
        Assert.Null(options.HubToken);
        Assert.Null(options.QuotaBytes);
        Assert.Equal(3, options.MaxParallelDownloads);
        Assert.EndsWith(Path.Combine(".hearth", "models"), options.ModelsDir);
        Assert.Equal(new Uri("http://b.test"), Read(("HF_ENDPOINT", "http://b.test")).HubEndpoint); // huggingface_hub's name works too
    }

    [Fact]
    public void HearthEndpoint_WinsOverHfEndpoint_AndBadValuesAreClearErrors()
    {
        Assert.Equal("http://a.test/", Read(("HEARTH_HF_ENDPOINT", "http://a.test"), ("HF_ENDPOINT", "http://b.test")).HubEndpoint.ToString());
        Assert.Contains("HEARTH_HF_ENDPOINT", Assert.Throws<ArgumentException>(() => Read(("HEARTH_HF_ENDPOINT", "huggingface.co"))).Message);
        Assert.Throws<FormatException>(() => Read(("HEARTH_MODELS_QUOTA", "lots")));
    }

    [Fact]
    public void ResolveUrls_HaveTheHubLayout_UnderAnyEndpoint()
    {
        using var http = new HttpClient();
        var hub = new HubClient(http, new Uri("https://huggingface.co"), null);
        var mirror = new HubClient(http, new Uri("http://127.0.0.1:9/hf"), null);

        Assert.Equal("https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q8_0.gguf",
            hub.ResolveUrl("Qwen/Qwen2.5-0.5B-Instruct-GGUF", "main", "qwen2.5-0.5b-instruct-q8_0.gguf").AbsoluteUri);
        Assert.Equal("http://127.0.0.1:9/hf/org/repo/resolve/v1.0/sub%20dir/model%2B1.gguf",
            mirror.ResolveUrl("org/repo", "v1.0", "sub dir/model+1.gguf").AbsoluteUri);
    }
}
