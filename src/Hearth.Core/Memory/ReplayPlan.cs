using Microsoft.Extensions.AI;

namespace Hearth.Core.Memory;

/// <summary>
/// Decides what a completion in a stored conversation sends to the model and what it adds to the store.
/// A client either sends the whole conversation again (as OpenAI clients do) or only its new message(s);
/// in the second case the stored history is replayed before them.
/// </summary>
/// <param name="Prompt">Every message for the model, in order.</param>
/// <param name="NewMessages">The incoming messages the store does not have yet.</param>
/// <param name="Replayed">True when stored history was put in front of the request's messages.</param>
public sealed record ReplayPlan(IReadOnlyList<ChatMessage> Prompt, IReadOnlyList<ChatMessage> NewMessages, bool Replayed)
{
    public static ReplayPlan Create(IReadOnlyList<ChatMessage> history, IReadOnlyList<ChatMessage> incoming)
    {
        var (historySystem, historyRest) = SplitSystem(history);
        var (incomingSystem, incomingRest) = SplitSystem(incoming);
        var system = incomingSystem ?? historySystem;

        // The client resent the stored conversation: only its tail is new.
        if (historyRest.Count > 0 && incomingRest.Count >= historyRest.Count &&
            historyRest.Select((m, i) => MessageRecords.SameMessage(m, incomingRest[i])).All(same => same))
        {
            var fresh = incomingRest.Skip(historyRest.Count).ToList();
            if (historySystem is null && incomingSystem is not null) fresh.Insert(0, incomingSystem);
            return new ReplayPlan(Prepend(system, incomingRest), fresh, Replayed: false);
        }

        var added = incomingRest.ToList();
        if (historySystem is null && incomingSystem is not null) added.Insert(0, incomingSystem);
        return new ReplayPlan(Prepend(system, [.. historyRest, .. incomingRest]), added, Replayed: historyRest.Count > 0);
    }

    static (ChatMessage? System, List<ChatMessage> Others) SplitSystem(IReadOnlyList<ChatMessage> messages) =>
        messages.Count > 0 && messages[0].Role == ChatRole.System ? (messages[0], messages.Skip(1).ToList()) : (null, messages.ToList());

    static List<ChatMessage> Prepend(ChatMessage? system, List<ChatMessage> rest) => system is null ? rest : [system, .. rest];
}
