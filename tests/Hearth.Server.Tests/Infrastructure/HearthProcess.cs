using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Hearth.Tests.Infrastructure;

/// <summary>A separate <c>hearth serve</c> process (the built hearth.dll run with dotnet) on a free loopback port.</summary>
public sealed partial class HearthProcess : IAsyncDisposable
{
    readonly Process _process;
    public Uri BaseAddress { get; }
    public HttpClient Http { get; }

    HearthProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public static async Task<HearthProcess> StartAsync(string home, params string[] extraArgs)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "hearth.dll"));
        foreach (var a in (string[])["serve", "--port", "0", "--home", home, .. extraArgs]) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException("hearth exited before listening: " + await stderr);
            var m = Listening().Match(line);
            if (m.Success)
            {
                _ = process.StandardOutput.ReadToEndAsync(); // keep draining
                return new HearthProcess(process, new Uri(m.Groups[1].Value + "/"));
            }
        }
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited) Kill();
        _process.Dispose();
        await Task.CompletedTask;
    }

    [GeneratedRegex(@"Hearth listening on (http://\S+?)/?$")]
    private static partial Regex Listening();
}
