using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Hearth.Core.Models;
using Spectre.Console;

namespace Hearth.Server.Cli;

/// <summary>
/// <c>hearth pull</c>, <c>hearth list</c>, <c>hearth rm</c> and <c>hearth ps</c>. Each factory takes how to make the
/// <see cref="ModelManager"/> (default: from HEARTH_* / HF_* environment variables) and the console to write to.
/// </summary>
public static class ModelCommands
{
    static ModelManager DefaultManager() => new(ModelOptions.FromEnvironment());

    /// <summary><c>hearth pull [MODEL]</c>: downloads a model (the default one when none is named) with a progress bar.</summary>
    public static Command CreatePull(Func<ModelManager>? models = null, IAnsiConsole? console = null)
    {
        var model = new Argument<string?>("model")
        {
            Description = "Catalog id, hf.co/{owner}/{repo}:{quant}, {owner}/{repo}/{file}.gguf or a local path (default: the catalog's default model)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("pull", "Download a model into the cache, resuming any earlier attempt") { model };
        command.SetAction(async (parse, ct) =>
        {
            var ui = console ?? AnsiConsole.Console;
            using var manager = (models ?? DefaultManager)();
            var name = parse.GetValue(model) ?? manager.Catalog.DefaultModel.Id;
            try
            {
                var notices = new List<string>();
                LocalModel local = null!;
                await ui.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                        new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask(Markup.Escape(name), maxValue: 1);
                        task.IsIndeterminate = true;
                        var progress = new BarProgress(task, notices);
                        local = await manager.PullAsync(name, progress, ct);
                        task.MaxValue = Math.Max(1, local.Size);
                        task.Value = task.MaxValue;
                        task.StopTask();
                    });
                foreach (var notice in notices) ui.MarkupLine($"[yellow]{Markup.Escape(notice)}[/]");
                ui.MarkupLine($"[green]{Markup.Escape(name)}[/] is ready ({ByteSize.Format(local.Size)}): {Markup.Escape(local.Path)}");
                return 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                ui.MarkupLine("[yellow]Stopped.[/] What was downloaded is kept; run [bold]hearth pull[/] again to resume.");
                return 130;
            }
            catch (ModelException e) { return Fail(ui, e.Message); }
        });
        return command;
    }

    /// <summary><c>hearth list [--catalog]</c>: downloaded models and disk use, or the catalog with what fits this machine.</summary>
    public static Command CreateList(Func<ModelManager>? models = null, IAnsiConsole? console = null)
    {
        var catalog = new Option<bool>("--catalog", "-c") { Description = "Show the curated catalog and whether each model fits in memory" };
        var command = new Command("list", "List downloaded models and storage use") { catalog };
        command.Aliases.Add("ls");
        command.SetAction(parse =>
        {
            var ui = console ?? AnsiConsole.Console;
            using var manager = (models ?? DefaultManager)();
            if (parse.GetValue(catalog)) ShowCatalog(ui, manager);
            else ShowDownloaded(ui, manager);
            return 0;
        });
        return command;
    }

    /// <summary><c>hearth rm MODEL...</c>: deletes models from the cache.</summary>
    public static Command CreateRm(Func<ModelManager>? models = null, IAnsiConsole? console = null)
    {
        var names = new Argument<string[]>("models") { Description = "Models to delete (names as in hearth list)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("rm", "Delete downloaded models") { names };
        command.SetAction(parse =>
        {
            var ui = console ?? AnsiConsole.Console;
            using var manager = (models ?? DefaultManager)();
            var failed = false;
            foreach (var name in parse.GetValue(names) ?? [])
            {
                try
                {
                    var size = Find(manager, name)?.Size;
                    if (manager.Remove(name)) ui.MarkupLine($"Deleted [bold]{Markup.Escape(name)}[/]" + (size is { } s ? $" ({ByteSize.Format(s)})" : ""));
                    else { ui.MarkupLine($"[red]{Markup.Escape(name)} is not downloaded.[/]"); failed = true; }
                }
                catch (ModelException e) { Fail(ui, e.Message); failed = true; }
            }
            return failed ? 1 : 0;
        });
        return command;
    }

    /// <summary><c>hearth ps</c>: models loaded in a running server (its <c>GET /api/ps</c>).</summary>
    public static Command CreatePs(Func<Uri> server, IAnsiConsole? console = null, HttpClient? http = null)
    {
        var command = new Command("ps", "List models loaded in the running Hearth server");
        command.SetAction(async (parse, ct) =>
        {
            var ui = console ?? AnsiConsole.Console;
            var url = new Uri(server(), "/api/ps");
            var client = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                var body = await client.GetFromJsonAsync<PsResponse>(url, Routes.JobRoutes.Json, ct);
                var table = new Table().AddColumns("NAME", "STATE", "IN USE", "UNTIL");
                foreach (var m in body?.Models ?? [])
                    table.AddRow(Markup.Escape(Path.GetFileName(m.Key)), m.Loading ? "loading" : "loaded", m.InUse.ToString(),
                        m.ExpiresAt is { } at ? Ago(at - DateTimeOffset.UtcNow, future: true) : m.InUse > 0 ? "in use" : "forever");
                ui.Write(table);
                return 0;
            }
            catch (HttpRequestException) { return Fail(ui, $"No Hearth server answers at {server()}; start one with hearth serve."); }
            finally { if (http is null) client.Dispose(); }
        });
        return command;
    }

    static void ShowDownloaded(IAnsiConsole ui, ModelManager manager)
    {
        var table = new Table().AddColumns("NAME", "SIZE", "LAST USED", "SHA256");
        table.Columns[1].RightAligned();
        foreach (var m in manager.List())
            table.AddRow(Markup.Escape(m.CatalogId ?? m.Key), ByteSize.Format(m.Size), Ago(DateTimeOffset.UtcNow - m.LastUsed), m.Sha256[..12]);
        ui.Write(table);
        var info = manager.GetStorageInfo();
        var quota = info.QuotaBytes is { } q ? $" of {ByteSize.Format(q)} quota" : "";
        var partial = info.PartialBytes > 0 ? $", {ByteSize.Format(info.PartialBytes)} in unfinished downloads" : "";
        ui.MarkupLine($"{info.Models} models, {ByteSize.Format(info.UsedBytes)}{quota}{partial}; {ByteSize.Format(info.FreeDiskBytes)} free on disk ({Markup.Escape(info.Path)})");
    }

    static void ShowCatalog(IAnsiConsole ui, ModelManager manager)
    {
        var ctx = manager.Catalog.DefaultContextLength;
        var available = manager.AvailableMemory();
        var table = new Table().AddColumns("ID", "RUNTIME", "QUANT", "SIZE", $"MEMORY @{ctx}", "FITS", "LICENSE", "");
        foreach (var e in manager.Catalog.Entries)
        {
            var memory = e.MemoryNeeded(ctx);
            var local = e.Runtime == ModelRuntime.Gguf && manager.FindLocal(e.Id) is not null;
            table.AddRow(Markup.Escape(e.Id) + (e.Default ? " [dim](default)[/]" : ""), e.Runtime, Markup.Escape(e.Quantization),
                e.SizeBytes is { } s ? ByteSize.Format(s) : "-", ByteSize.Format(memory),
                memory <= available ? "[green]yes[/]" : "[red]no[/]", Markup.Escape(e.License), local ? "downloaded" : "");
        }
        ui.Write(table);
        ui.MarkupLine($"{ByteSize.Format(available)} of memory free now.");
    }

    static StoredModel? Find(ModelManager manager, string name)
    {
        try { return manager.Store.Find(name) ?? (manager.FindLocal(name)?.Key is { } key ? manager.Store.Find(key) : null); }
        catch (ModelException) { return null; }
    }

    static int Fail(IAnsiConsole ui, string message)
    {
        ui.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        return 1;
    }

    static string Ago(TimeSpan span, bool future = false)
    {
        var text = span.TotalMinutes < 1 ? $"{Math.Max(0, (int)span.TotalSeconds)} seconds"
            : span.TotalHours < 1 ? $"{(int)span.TotalMinutes} minutes"
            : span.TotalDays < 1 ? $"{(int)span.TotalHours} hours"
            : $"{(int)span.TotalDays} days";
        return future ? "in " + text : text + " ago";
    }

    sealed record PsResponse(List<LoadedModelInfo> Models);

    /// <summary>Moves the progress bar and keeps notices (evictions, retries) to print when the bar is done.</summary>
    sealed class BarProgress(ProgressTask task, List<string> notices) : IProgress<ProgressEvent>
    {
        public void Report(ProgressEvent e)
        {
            lock (notices)
            {
                if (e.Phase is ProgressPhase.Evicting && e.Text is not null) notices.Add(e.Text);
                if (e.Phase is ProgressPhase.Retrying && e.Text is not null && notices.Count < 20) notices.Add(e.Text);
            }
            if (e.Phase is not (ProgressPhase.Downloading or ProgressPhase.Verifying) || e.Total is not > 0) return;
            task.IsIndeterminate = false;
            task.MaxValue = e.Total.Value;
            task.Value = e.Bytes;
        }
    }
}
