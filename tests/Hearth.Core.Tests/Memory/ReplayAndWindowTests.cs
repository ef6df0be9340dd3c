using Hearth.Core.Memory;
using Hearth.Tests.Fakes;
using Microsoft.Extensions.AI;

namespace Hearth.Tests.Memory;

public class ReplayAndWindowTests
{
    static ChatMessage S(string t) => new(ChatRole.System, t);
    static ChatMessage U(string t) => new(ChatRole.User, t);
    static ChatMessage A(string t) => new(ChatRole.Assistant, t);
    static string[] Texts(IEnumerable<ChatMessage> m) => m.Select(x => $"{x.Role.Value}:{x.Text}").ToArray();

    [Fact]
    public void Only_new_messages_get_the_history_replayed_before_them()
    {
        var plan = ReplayPlan.Create([S("sys"), U("u1"), A("a1")], [U("u2")]);
        Assert.True(plan.Replayed);
        Assert.Equal(["system:sys", "user:u1", "assistant:a1", "user:u2"], Texts(plan.Prompt));
        Assert.Equal(["user:u2"], Texts(plan.NewMessages));
    }

    [Fact]
    public void A_resent_conversation_is_not_replayed_twice()
    {
        var plan = ReplayPlan.Create([S("sys"), U("u1"), A("a1")], [S("sys"), U("u1"), A("a1"), U("u2")]);
        Assert.False(plan.Replayed);
        Assert.Equal(["system:sys", "user:u1", "assistant:a1", "user:u2"], Texts(plan.Prompt));
        Assert.Equal(["user:u2"], Texts(plan.NewMessages));

        // Without the system message the client is still resending the same conversation.
        plan = ReplayPlan.Create([S("sys"), U("u1"), A("a1")], [U("u1"), A("a1"), U("u2")]);
        Assert.Equal(["system:sys", "user:u1", "assistant:a1", "user:u2"], Texts(plan.Prompt));
    }

    [Fact]
    public void A_new_system_message_replaces_the_stored_one_and_a_first_one_is_stored()
    {
        var plan = ReplayPlan.Create([S("old"), U("u1"), A("a1")], [S("new"), U("u2")]);
        Assert.Equal(["system:new", "user:u1", "assistant:a1", "user:u2"], Texts(plan.Prompt));
        Assert.Equal(["user:u2"], Texts(plan.NewMessages));

        plan = ReplayPlan.Create([], [S("sys"), U("u1")]);
        Assert.Equal(["system:sys", "user:u1"], Texts(plan.NewMessages));
        Assert.False(plan.Replayed);
    }

    [Fact]
    public void Window_keeps_system_first_user_and_the_newest_that_fit()
    {
        // Each message here counts 1 word + 4 = 5 tokens.
        List<ChatMessage> prompt = [S("sys"), U("u1"), A("a1"), U("u2"), A("a2"), U("u3"), A("a3"), U("u4")];
        var fitted = SlidingWindow.Fit(prompt, newCount: 1, budget: 5 * 5, FakeChatModel.Count);
        Assert.Equal(["system:sys", "user:u1", "user:u3", "assistant:a3", "user:u4"], Texts(fitted));
        Assert.True(FakeChatModel.Count(fitted) <= 25);

        // Everything fits: nothing is cut.
        Assert.Same(prompt, SlidingWindow.Fit(prompt, 1, 1000, FakeChatModel.Count));
    }

    [Fact]
    public void Window_never_starts_the_kept_history_with_an_orphan_reply()
    {
        List<ChatMessage> prompt = [U("u1"), A("a1"), U("u2"), A("a2"), U("u3")];
        // Budget for u1 + 2 more + u3: the newest two are u2? no: a2 and ... -> a2 would be an orphan reply.
        var fitted = SlidingWindow.Fit(prompt, 1, 5 * 3, FakeChatModel.Count);
        Assert.Equal(["user:u1", "user:u3"], Texts(fitted));
    }

    [Fact]
    public void New_messages_are_kept_even_when_they_alone_overflow()
    {
        List<ChatMessage> prompt = [S("sys"), U("u1"), A("a1"), U("a very long new message indeed")];
        var fitted = SlidingWindow.Fit(prompt, 1, 10, FakeChatModel.Count);
        Assert.Equal(["system:sys", "user:u1", "user:a very long new message indeed"], Texts(fitted));
    }
}
