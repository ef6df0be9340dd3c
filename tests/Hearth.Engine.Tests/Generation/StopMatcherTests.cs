using Hearth.Engine.Generation;

namespace Hearth.Engine.Tests.Generation;

public class StopMatcherTests
{
    static (string Emitted, StopMatcher Matcher) Run(string[] stops, params string[] chunks)
    {
        var matcher = new StopMatcher(stops);
        var emitted = string.Concat(chunks.Select(matcher.Push)) + matcher.Flush();
        return (emitted, matcher);
    }

    [Fact]
    public void Without_stop_strings_text_passes_straight_through()
    {
        var matcher = new StopMatcher(null);
        Assert.Equal("abc", matcher.Push("abc"));
        Assert.Equal("", matcher.Flush());
    }

    [Fact]
    public void A_stop_string_split_over_chunks_is_found_and_never_emitted()
    {
        var (emitted, matcher) = Run(["world"], "Hel", "lo wo", "r", "ld! more");
        Assert.Equal("Hello ", emitted);
        Assert.True(matcher.Stopped);
        Assert.Equal("world", matcher.MatchedStop);
    }

    [Fact]
    public void Text_that_might_start_a_stop_is_held_back_until_it_cannot()
    {
        var matcher = new StopMatcher(["abc"]);
        Assert.Equal("x", matcher.Push("xab"));
        Assert.Equal(2, matcher.PendingLength);
        Assert.Equal("abx", matcher.Push("x"));
        Assert.Equal("", matcher.Push("a"));
        Assert.Equal("a", matcher.Flush()); // the stream ended: the held-back prefix was not a stop
        Assert.False(matcher.Stopped);
    }

    [Fact]
    public void The_earliest_of_several_stops_wins()
    {
        var (emitted, matcher) = Run(["def", "cd"], "ab", "cdef");
        Assert.Equal("ab", emitted);
        Assert.Equal("cd", matcher.MatchedStop);
    }

    [Fact]
    public void A_stop_at_the_very_start_emits_nothing_and_later_text_is_ignored()
    {
        var (emitted, matcher) = Run(["\n\n"], "\n", "\nHello");
        Assert.Equal("", emitted);
        Assert.True(matcher.Stopped);
        Assert.Equal("", matcher.Push("more"));
    }

    [Fact]
    public void Overlapping_prefixes_hold_back_the_longest_possible_start()
    {
        // "aab": after "aa", both "a" and "aa" could start it
        var (emitted, _) = Run(["aab"], "xa", "a", "a", "b", "c");
        Assert.Equal("xa", emitted);
    }
}
