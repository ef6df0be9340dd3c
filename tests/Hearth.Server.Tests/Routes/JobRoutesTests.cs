using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Hearth.Core.Jobs;
using Hearth.Core.Models;
using Hearth.Tests;

namespace Hearth.Server.Tests.Routes;

public sealed class JobRoutesTests : IAsyncLifetime
{
    ModelRoutesHost _host = null!;

    public async Task InitializeAsync() => _host = await ModelRoutesHost.StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>Starts a job that reports what is written to the returned channel and ends when it is completed.</summary>
    (JobInfo Job, Channel<long> Steps) StartScriptedJob()
    {
        var steps = Channel.CreateUnbounded<long>();
        var job = _host.Models.Jobs.Start("pull", "scripted", async context =>
        {
            await foreach (var step in steps.Reader.ReadAllAsync(context.CancellationToken))
                context.Progress.Report(new ProgressEvent(ProgressPhase.Downloading, step, 1000, 500, 1.5, 0.2, "model.gguf"));
            return null;
        });
        return (job, steps);
    }

    static async IAsyncEnumerable<(string Event, JsonElement Data)> ReadSse(Stream stream)
    {
        using var reader = new StreamReader(stream);
        string? type = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ")) type = line["event: ".Length..];
            else if (line.StartsWith("data: ")) yield return (type!, JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone());
        }
    }

    [Fact]
    public async Task Events_StreamAsSse_FromTheCurrentStateToTheEnd()
    {
        var (job, steps) = StartScriptedJob();
        await steps.Writer.WriteAsync(100);
        await Task.Delay(100);

        using var response = await _host.Client.GetAsync($"/v1/jobs/{job.Id}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = new List<(string Event, JsonElement Data)>();
        await foreach (var e in ReadSse(await response.Content.ReadAsStreamAsync()))
        {
            events.Add(e);
            if (events.Count == 1) { await steps.Writer.WriteAsync(600); steps.Writer.Complete(); }
        }

        Assert.Equal("state", events[0].Event);
        Assert.Equal(100, events[0].Data.GetProperty("progress").GetProperty("bytes").GetInt64());
        var progress = events.Single(e => e.Event == "progress").Data.GetProperty("progress");
        Assert.Equal(600, progress.GetProperty("bytes").GetInt64());
        Assert.Equal(0.6, progress.GetProperty("progress").GetDouble());
        Assert.Equal(500, progress.GetProperty("bytes_per_second").GetDouble());
        Assert.Equal(1.5, progress.GetProperty("eta_seconds").GetDouble());
        Assert.Equal("succeeded", events[^1].Event);
        Assert.Equal("Succeeded", events[^1].Data.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ClientLeavingTheStream_DoesNotStopTheJob()
    {
        var (job, steps) = StartScriptedJob();
        using (var cts = new CancellationTokenSource())
        {
            using var response = await _host.Client.GetAsync($"/v1/jobs/{job.Id}/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
            await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
            await foreach (var _ in ReadSse(stream)) break;
            cts.Cancel();
        }
        await Task.Delay(100);
        Assert.Equal(JobStatus.Running, _host.Models.Jobs.Get(job.Id)!.Status);

        steps.Writer.Complete();
        Assert.Equal(JobStatus.Succeeded, (await _host.Models.Jobs.WaitAsync(job.Id)).Status);
        var read = await _host.Client.GetFromJsonAsync<JsonElement>($"/v1/jobs/{job.Id}");
        Assert.Equal("Succeeded", read.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Delete_CancelsTheJob()
    {
        var (job, _) = StartScriptedJob();

        using var response = await _host.Client.DeleteAsync($"/v1/jobs/{job.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JobStatus.Canceled, (await _host.Models.Jobs.WaitAsync(job.Id)).Status);
        var list = await _host.Client.GetFromJsonAsync<JsonElement>("/v1/jobs");
        Assert.Equal("Canceled", list.GetProperty("data")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task UnknownJob_IsAnOpenAiStyle404()
    {
        foreach (var response in new[]
                 {
                     await _host.Client.GetAsync("/v1/jobs/nope"),
                     await _host.Client.GetAsync("/v1/jobs/nope/events"),
                     await _host.Client.DeleteAsync("/v1/jobs/nope"),
                 })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.Equal("job_not_found", error.GetProperty("code").GetString());
            Assert.Contains("nope", error.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task PostingAPull_StartsAJob_AndBadRequestsAreClearErrors()
    {
        var local = TestModels.Path("stories260K.gguf");
        using var started = await _host.Client.PostAsJsonAsync("/v1/jobs", new { kind = "pull", model = local });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var done = await _host.Models.Jobs.WaitAsync(id);
        Assert.Equal(JobStatus.Succeeded, done.Status);

        using var badKind = await _host.Client.PostAsJsonAsync("/v1/jobs", new { kind = "dance", model = local });
        Assert.Equal(HttpStatusCode.BadRequest, badKind.StatusCode);
        using var unknown = await _host.Client.PostAsJsonAsync("/v1/jobs", new { kind = "pull", model = "gpt-9" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("model_not_found", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
    }
}
