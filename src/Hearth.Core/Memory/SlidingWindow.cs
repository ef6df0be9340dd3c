using Microsoft.Extensions.AI;

namespace Hearth.Core.Memory;

/// <summary>
/// Cuts a replayed conversation to a token budget: keep the system message and the first user message,
/// then as many of the newest messages as fit, counted exactly with the model's own prompt counter.
/// The request's new messages are always kept (if even they do not fit, the model reports the overflow).
/// </summary>
public static class SlidingWindow
{
    public static IReadOnlyList<ChatMessage> Fit(IReadOnlyList<ChatMessage> prompt, int newCount, int budget, Func<IEnumerable<ChatMessage>, int> countTokens)
    {
        if (countTokens(prompt) <= budget) return prompt;

        // pinned: system + first user message; middle: older history; tail: the new messages.
        var pinnedCount = 0;
        if (prompt.Count > 0 && prompt[0].Role == ChatRole.System) pinnedCount++;
        var firstUser = -1;
        for (var i = pinnedCount; i < prompt.Count - newCount; i++)
            if (prompt[i].Role == ChatRole.User) { firstUser = i; break; }
        var pinned = prompt.Take(pinnedCount).ToList();
        if (firstUser >= 0) pinned.Add(prompt[firstUser]);
        var middleStart = firstUser >= 0 ? firstUser + 1 : pinnedCount;
        var middle = prompt.Skip(middleStart).Take(prompt.Count - newCount - middleStart).ToList();
        var tail = prompt.Skip(prompt.Count - newCount).ToList();

        List<ChatMessage> Build(int keep) => [.. pinned, .. middle.Skip(middle.Count - keep), .. tail];

        // The largest number of newest middle messages that still fits; the count grows with it, so bisect.
        int lo = 0, hi = middle.Count;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (countTokens(Build(mid)) <= budget) lo = mid; else hi = mid - 1;
        }
        var fitted = Build(lo);
        // A history that starts with an assistant reply or a tool result reads wrong: drop such leading orphans.
        var skip = 0;
        while (lo - skip > 0 && fitted[pinned.Count + skip].Role != ChatRole.User) skip++;
        return skip == 0 ? fitted : Build(lo - skip);
    }
}
