namespace Hearth.Core.Service;

/// <summary>Where Hearth keeps its files: <c>HEARTH_HOME</c>, else <c>~/.hearth</c>.</summary>
public static class HearthHome
{
    public static string Resolve(string? overridePath = null)
    {
        var path = overridePath ?? Environment.GetEnvironmentVariable("HEARTH_HOME");
        if (string.IsNullOrEmpty(path)) path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".hearth");
        return Path.GetFullPath(path);
    }

    /// <summary>The conversation store's file under a home folder.</summary>
    public static string ConversationsDb(string home) => Path.Combine(home, "hearth.db");

    /// <summary>The folder of downloaded models under a home folder.</summary>
    public static string Models(string home) => Path.Combine(home, "models");
}
