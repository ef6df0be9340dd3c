// Reference logits from llama.cpp for Hearth's architecture tests: for a model file and a list of token ids,
// prints one JSON line like ../shared/models/reference/*.jsonl (tokens, the top-20 logits at every position,
// and the 16-token greedy continuation). Built against a llama.cpp build outside this repository (nothing of
// llama.cpp is committed); see README.md beside this file.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "llama.h"
#include "ggml.h"

#define TOP 20
#define GREEDY 16

static void top_logits(const float *logits, int vocab, int *ids) {
    for (int k = 0; k < TOP; k++) ids[k] = -1;
    for (int i = 0; i < vocab; i++) {
        int k = TOP;
        while (k > 0 && (ids[k - 1] < 0 || logits[i] > logits[ids[k - 1]])) k--;
        if (k == TOP) continue;
        memmove(ids + k + 1, ids + k, (TOP - k - 1) * sizeof(int));
        ids[k] = i;
    }
}

// With DUMP=DIR, every float tensor of every pass (the prompt's first) is also written to DIR/NAME.SEQ.bin (raw float32 in ggml's
// layout, SEQ the order computed): dump Hearth's buffers at the same points to see where its arithmetic first differs.
static const char *dump_dir;

static bool dump(struct ggml_tensor *t, bool ask, void *user_data) {
    (void)user_data;
    if (ask) return true; // every tensor: each is looked at once computed
    if (t->type != GGML_TYPE_F32 || !ggml_is_contiguous(t)) return true;
    static int seq = 0;
    char path[512];
    snprintf(path, sizeof path, "%s/%s.%d.bin", dump_dir, t->name, seq++);
    FILE *f = fopen(path, "wb");
    if (!f) { fprintf(stderr, "cannot write %s\n", path); return false; }
    fwrite(t->data, sizeof(float), (size_t)ggml_nelements(t), f);
    fclose(f);
    return true;
}

static int argmax(const float *logits, int vocab) {
    int best = 0;
    for (int i = 1; i < vocab; i++) if (logits[i] > logits[best]) best = i;
    return best;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s MODEL.gguf NAME TOKEN...\n", argv[0]);
        return 2;
    }
    int n = argc - 3;
    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    struct llama_model *model = llama_model_load_from_file(argv[1], mp);
    if (!model) { fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
    struct llama_context_params cp = llama_context_default_params();
    // N_CTX picks the context size (llama.cpp pads it to 256), which picks LongRoPE's short or long factors.
    cp.n_ctx = getenv("N_CTX") ? atoi(getenv("N_CTX")) : n + GREEDY + 8;
    cp.n_batch = cp.n_ctx;
    cp.n_ubatch = cp.n_ctx;
    cp.n_threads = 1;
    cp.n_threads_batch = 1;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;
    if ((dump_dir = getenv("DUMP"))) cp.cb_eval = dump;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) { fprintf(stderr, "cannot create a context\n"); return 1; }
    int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));

    struct llama_batch batch = llama_batch_init(n, 0, 1);
    for (int i = 0; i < n; i++) {
        batch.token[i] = atoi(argv[3 + i]);
        batch.pos[i] = i;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = 1;
    }
    batch.n_tokens = n;
    if (llama_decode(ctx, batch) != 0) { fprintf(stderr, "decode failed\n"); return 1; }

    printf("{\"prompt\":\"%s\",\"n_ctx\":%u,\"tokens\":[", argv[2], llama_n_ctx(ctx));
    for (int i = 0; i < n; i++) printf(i ? ",%s" : "%s", argv[3 + i]);
    printf("],\"top_logits\":[");
    int ids[TOP];
    for (int i = 0; i < n; i++) {
        const float *logits = llama_get_logits_ith(ctx, i);
        top_logits(logits, vocab, ids);
        printf(i ? ",[" : "[");
        for (int k = 0; k < TOP && ids[k] >= 0; k++) printf(k ? ",[%d,%.6f]" : "[%d,%.6f]", ids[k], logits[ids[k]]);
        printf("]");
    }
    printf("],\"greedy\":[");
    int next = argmax(llama_get_logits_ith(ctx, n - 1), vocab);
    for (int step = 0; step < GREEDY; step++) {
        printf(step ? ",%d" : "%d", next);
        struct llama_batch one = llama_batch_get_one(&next, 1);
        if (llama_decode(ctx, one) != 0) { fprintf(stderr, "decode failed\n"); return 1; }
        next = argmax(llama_get_logits_ith(ctx, -1), vocab);
    }
    printf("]}\n");
    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
