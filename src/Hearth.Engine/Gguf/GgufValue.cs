namespace Hearth.Engine.Gguf;

/// <summary>Metadata value types, numbered as in the GGUF specification.</summary>
public enum GgufValueType : uint
{
    UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
    String = 8, Array = 9, UInt64 = 10, Int64 = 11, Float64 = 12,
}

/// <summary>
/// One metadata value. Scalars are boxed .NET primitives; arrays are typed .NET arrays
/// (string[], int[], float[], ...), with <see cref="ElementType"/> naming the GGUF element type.
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value, GgufValueType ElementType = GgufValueType.UInt8)
{
    public override string ToString() => Value switch
    {
        Array a => $"[{ElementType} x {a.Length}]",
        _ => Value.ToString() ?? "",
    };
}
