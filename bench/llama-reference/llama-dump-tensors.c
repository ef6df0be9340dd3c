// Dumps every float tensor llama.cpp computes for one batch of tokens (through its eval callback), one file per
// tensor: OUT/NAME.SEQ.bin, raw float32 in ggml's layout (ne0 fastest), SEQ the order computed. For finding where
// Hearth's arithmetic first leaves llama.cpp's: dump Hearth's buffers at the same points and compare.
// usage: llama-dump-tensors MODEL.gguf OUTDIR TOKEN...   (one thread, flash attention on, every position's logits)
#include "llama.h"
#include "ggml.h"
#include <stdio.h>
#include <stdlib.h>

static const char *out_dir;

static bool dump(struct ggml_tensor *t, bool ask, void *user_data) {
    (void)user_data;
    if (ask) return true; // every tensor: its data is looked at once computed
    if (t->type != GGML_TYPE_F32 || !ggml_is_contiguous(t)) return true;
    static int seq = 0;
    char path[512];
    snprintf(path, sizeof path, "%s/%s.%d.bin", out_dir, t->name, seq++);
    FILE *f = fopen(path, "wb");
    if (!f) { fprintf(stderr, "cannot write %s\n", path); return false; }
    fwrite(t->data, sizeof(float), (size_t)ggml_nelements(t), f);
    fclose(f);
    fprintf(stderr, "%s: %lld x %lld x %lld\n", path, (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2]);
    return true;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s MODEL.gguf OUTDIR TOKEN...\n", argv[0]); return 2; }
    out_dir = argv[2];
    llama_backend_init();
    struct llama_model *model = llama_model_load_from_file(argv[1], llama_model_default_params());
    if (!model) { fprintf(stderr, "cannot load %s\n", argv[1]); return 1; }
    int n = argc - 3;
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = n < 256 ? 256 : n;
    cp.n_batch = cp.n_ubatch = cp.n_ctx;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;
    cp.n_threads = cp.n_threads_batch = 1;
    cp.cb_eval = dump;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    struct llama_batch batch = llama_batch_init(n, 0, 1);
    for (int i = 0; i < n; i++) {
        batch.token[i] = atoi(argv[3 + i]);
        batch.pos[i] = i;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = 1;
    }
    batch.n_tokens = n;
    if (llama_decode(ctx, batch)) { fprintf(stderr, "decode failed\n"); return 1; }
    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    return 0;
}
