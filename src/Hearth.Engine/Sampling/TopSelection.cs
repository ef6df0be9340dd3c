namespace Hearth.Engine.Sampling;

/// <summary>
/// Picks the k largest values of a long span (say 150k logits) with a size-k min-heap: O(n log k) and no
/// allocation, instead of sorting everything when k is small. Ties go to the lower index, like argmax.
/// </summary>
internal static class TopSelection
{
    /// <summary>Writes the k largest (value, index) pairs to ids/values, largest first; returns how many (min(k, n)). NaN is never picked.</summary>
    public static int Select(ReadOnlySpan<float> source, int k, Span<int> ids, Span<float> values)
    {
        k = Math.Min(k, source.Length);
        if (ids.Length < k || values.Length < k) throw new ArgumentException("Output spans are shorter than k.");
        if (k <= 0) return 0;

        // Fill the heap with the first k numbers, then keep replacing its root (the smallest kept).
        var count = 0;
        var i = 0;
        for (; i < source.Length && count < k; i++)
        {
            if (float.IsNaN(source[i])) continue;
            ids[count] = i;
            values[count] = source[i];
            SiftUp(ids, values, count);
            count++;
        }
        for (; i < source.Length; i++)
        {
            var v = source[i];
            if (!(v > values[0])) continue; // equal values keep the earlier (lower) index; NaN fails the test
            ids[0] = i;
            values[0] = v;
            SiftDown(ids, values, 0, count);
        }

        // Heap sort in place: repeatedly move the smallest to the end, leaving the largest first.
        for (var end = count - 1; end > 0; end--)
        {
            Swap(ids, values, 0, end);
            SiftDown(ids, values, 0, end);
        }
        return count;
    }

    // Min-heap order: smaller value first; for equal values the higher index is "smaller" (evicted first).
    static bool Less(Span<int> ids, Span<float> values, int a, int b) =>
        values[a] < values[b] || (values[a] == values[b] && ids[a] > ids[b]);

    static void SiftUp(Span<int> ids, Span<float> values, int child)
    {
        while (child > 0)
        {
            var parent = (child - 1) / 2;
            if (!Less(ids, values, child, parent)) return;
            Swap(ids, values, child, parent);
            child = parent;
        }
    }

    static void SiftDown(Span<int> ids, Span<float> values, int parent, int count)
    {
        while (true)
        {
            var smallest = parent;
            var left = 2 * parent + 1;
            var right = left + 1;
            if (left < count && Less(ids, values, left, smallest)) smallest = left;
            if (right < count && Less(ids, values, right, smallest)) smallest = right;
            if (smallest == parent) return;
            Swap(ids, values, parent, smallest);
            parent = smallest;
        }
    }

    static void Swap(Span<int> ids, Span<float> values, int a, int b)
    {
        (ids[a], ids[b]) = (ids[b], ids[a]);
        (values[a], values[b]) = (values[b], values[a]);
    }
}
