using System.Net;
using System.Net.Sockets;

namespace Hearth.Tests.Infrastructure;

/// <summary>
/// A TCP relay on 127.0.0.1:0 in front of an upstream server, for injecting network faults: <see cref="Refuse"/>
/// resets every new connection, <see cref="CutAll"/> resets the ones open now (a server killed mid-reply looks like
/// this from outside). <see cref="Connections"/> counts every connection a client opened, refused or not.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly Uri _upstream;
    readonly List<(TcpClient Client, TcpClient Upstream)> _open = [];
    readonly CancellationTokenSource _stop = new();
    int _connections;

    public FaultProxy(Uri upstream)
    {
        _upstream = upstream;
        _listener.Start();
        _ = AcceptLoop();
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
    public bool Refuse { get; set; }
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Resets every open connection, both ways.</summary>
    public void CutAll()
    {
        lock (_open)
        {
            foreach (var (client, upstream) in _open) { Reset(client); Reset(upstream); }
            _open.Clear();
        }
    }

    async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref _connections);
            if (Refuse) { Reset(client); continue; }
            _ = Relay(client);
        }
    }

    async Task Relay(TcpClient client)
    {
        var upstream = new TcpClient();
        try { await upstream.ConnectAsync(_upstream.Host, _upstream.Port, _stop.Token); }
        catch (Exception) { Reset(client); upstream.Dispose(); return; }
        lock (_open) _open.Add((client, upstream));
        try
        {
            await Task.WhenAny(client.GetStream().CopyToAsync(upstream.GetStream(), _stop.Token), upstream.GetStream().CopyToAsync(client.GetStream(), _stop.Token));
        }
        catch (Exception) { }
        finally
        {
            lock (_open) _open.Remove((client, upstream));
            client.Dispose();
            upstream.Dispose();
        }
    }

    static void Reset(TcpClient c)
    {
        try { c.Client.LingerState = new LingerOption(true, 0); c.Close(); } catch (Exception) { }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        CutAll();
        return ValueTask.CompletedTask;
    }
}
