namespace Hearth.Tests;

/// <summary>Finds the shared test models: HEARTH_TEST_MODELS, else ../shared/models beside the repository.</summary>
public static class TestModels
{
    public static string Dir { get; } = Locate();

    public static string Path(string relative) => System.IO.Path.Combine(Dir, relative);

    static string Locate()
    {
        var env = Environment.GetEnvironmentVariable("HEARTH_TEST_MODELS");
        if (!string.IsNullOrEmpty(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "models");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("Test models not found: set HEARTH_TEST_MODELS or put shared/models beside the repository.");
    }
}
