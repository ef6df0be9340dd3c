using System.Runtime.CompilerServices;

namespace Hearth.Client;

/// <summary>One server-sent event: its <c>event:</c> name (null when unnamed) and its <c>data:</c>.</summary>
public sealed record SseEvent(string? Event, string Data);

/// <summary>Reads server-sent events from a response body.</summary>
public static class SseLines
{
    public static async IAsyncEnumerable<SseEvent> ReadAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body);
        string? name = null;
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0) yield return new SseEvent(name, string.Join('\n', data));
                name = null;
                data.Clear();
                continue;
            }
            if (line.StartsWith(':')) continue;
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            if (field == "data") data.Add(value);
            else if (field == "event") name = value;
        }
        if (data.Count > 0) yield return new SseEvent(name, string.Join('\n', data));
    }
}
