using System.Text;

namespace Hearth.Engine.Generation;

/// <summary>
/// Finds stop strings in streamed text. Text that could still be the start of a stop string is held back until
/// it can no longer match; a stop string itself is never emitted, and nothing after it either.
/// </summary>
public sealed class StopMatcher
{
    readonly string[] _stops;
    readonly StringBuilder _pending = new();

    public StopMatcher(IEnumerable<string>? stopStrings)
    {
        _stops = (stopStrings ?? []).Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>True once a stop string was found; later pushes are ignored.</summary>
    public bool Stopped { get; private set; }

    /// <summary>The stop string found, or null.</summary>
    public string? MatchedStop { get; private set; }

    /// <summary>Text held back because it may be the start of a stop string.</summary>
    public int PendingLength => _pending.Length;

    /// <summary>Adds newly decoded text; returns the part that is now safe to emit.</summary>
    public string Push(string text)
    {
        if (Stopped || text.Length == 0) return "";
        if (_stops.Length == 0) return text;
        _pending.Append(text);
        var pending = _pending.ToString();

        // The earliest stop string anywhere in the pending text ends the stream there.
        var earliest = -1;
        foreach (var stop in _stops)
        {
            var at = pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (earliest < 0 || at < earliest)) { earliest = at; MatchedStop = stop; }
        }
        if (earliest >= 0)
        {
            Stopped = true;
            _pending.Clear();
            return pending[..earliest];
        }

        // Hold back the longest tail that is a prefix of some stop string; what is before it cannot start a match.
        var hold = 0;
        foreach (var stop in _stops)
        {
            for (var length = Math.Min(stop.Length - 1, pending.Length); length > hold; length--)
            {
                if (pending.AsSpan(pending.Length - length).SequenceEqual(stop.AsSpan(0, length))) { hold = length; break; }
            }
        }
        _pending.Clear().Append(pending, pending.Length - hold, hold);
        return pending[..^hold];
    }

    /// <summary>The stream ended without a stop: everything held back is safe to emit.</summary>
    public string Flush()
    {
        if (Stopped) return "";
        var rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }
}
