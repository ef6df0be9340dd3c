namespace Hearth.Engine.Templates;

/// <summary>
/// A parsed Jinja2 chat template (a model's tokenizer.chat_template), rendered the way Hugging Face transformers
/// renders it: trim_blocks, lstrip_blocks, loop controls, tojson with ensure_ascii=False, raise_exception and
/// strftime_now. Parse once; Render is thread-safe.
/// </summary>
public sealed class ChatTemplate
{
    readonly List<Node> body;

    ChatTemplate(List<Node> body) => this.body = body;

    /// <exception cref="TemplateSyntaxException">The template is malformed (with line and column).</exception>
    public static ChatTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new ChatTemplate(Parser.ParseTemplate(source));
    }

    /// <exception cref="TemplateRaisedException">The template called raise_exception(message).</exception>
    /// <exception cref="TemplateRenderException">Rendering failed (undefined value misused, type error, limit hit).</exception>
    public string Render(TemplateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var globals = new Dictionary<string, object?>();
        Globals.AddBuiltins(globals, context.Clock);
        if (context.Messages != null) globals["messages"] = ValueConverter.From(context.Messages);
        if (context.Tools != null) globals["tools"] = ValueConverter.From(context.Tools);
        globals["add_generation_prompt"] = context.AddGenerationPrompt;
        if (context.BosToken != null) globals["bos_token"] = context.BosToken;
        if (context.EosToken != null) globals["eos_token"] = context.EosToken;
        foreach (var (name, value) in context.Variables) globals[name] = ValueConverter.From(value);
        return new Interpreter(context).Run(body, globals);
    }
}
