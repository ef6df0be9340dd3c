using System.Diagnostics;
using System.Text.RegularExpressions;
using Hearth.Core.Memory;
using Hearth.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Hearth.Tests.EndToEnd;

/// <summary><c>hearth run</c> and <c>hearth ps</c> as a user runs them.</summary>
public sealed class CliTests : IDisposable
{
    readonly string _home = Directory.CreateTempSubdirectory("hearth-cli-").FullName;

    static async Task<(int Code, string Out)> Hearth(string stdin, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hearth.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await output + await error);
    }

    [Fact]
    public async Task Run_streams_a_chat_in_the_terminal_and_saves_it_in_the_store()
    {
        var (code, output) = await Hearth("Once upon a time\nWhat next?\n/bye\n",
            "run", TestModels.Path("stories260K.gguf"), "--home", _home, "--max-tokens", "16", "--temperature", "0");
        Assert.True(code == 0, output);
        var id = Regex.Match(output, @"Saved as conversation ([0-9a-f-]{36})").Groups[1].Value;
        var store = ConversationStore.Open(Path.Combine(_home, "hearth.db"));
        var conversation = await store.GetAsync(id);
        Assert.Equal(("Once upon a time", "stories260K"), (conversation!.Title, conversation.Model));
        var messages = await store.GetMessagesAsync(id);
        Assert.Equal(["user", "assistant", "user", "assistant"], messages.Select(m => m.Role));
        Assert.Contains(messages[1].Content, output);
    }

    [Fact]
    public async Task Ps_lists_the_models_a_server_has_loaded()
    {
        await using var server = await HearthProcess.StartAsync(_home, "--model-file", TestModels.Path("stories260K.gguf"));
        var (_, before) = await Hearth("", "ps", "--port", server.BaseAddress.Port.ToString());
        Assert.DoesNotContain("stories260K", before);
        (await server.Http.PostAsync("v1/models/load", Json.Body("""{"model":"stories260K"}"""))).EnsureSuccessStatusCode();
        var (code, after) = await Hearth("", "ps", "--port", server.BaseAddress.Port.ToString());
        Assert.True(code == 0, after);
        Assert.Contains("stories260K", after);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_home, true); } catch (IOException) { }
    }
}
