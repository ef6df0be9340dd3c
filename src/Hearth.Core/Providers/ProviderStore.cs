using System.Text.Json;

namespace Hearth.Core.Providers;

/// <summary>Reads and writes <c>providers.json</c> under a Hearth home. Writes are atomic and owner-only (the file may hold keys).</summary>
public sealed class ProviderStore(string home)
{
    public string Path { get; } = System.IO.Path.Combine(home, "providers.json");

    /// <summary>The file's contents (empty when there is none). Throws <see cref="InvalidDataException"/> for a bad file.</summary>
    public ProvidersFile Load()
    {
        if (!File.Exists(Path)) return new ProvidersFile();
        try
        {
            var file = JsonSerializer.Deserialize<ProvidersFile>(File.ReadAllText(Path), ProvidersFile.Json) ?? new ProvidersFile();
            Validate(file);
            return file;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{Path}: {e.Message}", e);
        }
    }

    public void Save(ProvidersFile file)
    {
        Validate(file);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temp = Path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(file, ProvidersFile.Json));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, Path, overwrite: true);
    }

    public static void Validate(ProvidersFile file)
    {
        file.Routing.Validate();
        var names = new HashSet<string>();
        foreach (var p in file.Providers)
        {
            p.Validate();
            if (!names.Add(p.Name)) throw new ArgumentException($"Provider '{p.Name}' is configured twice.", "name");
        }
    }
}
