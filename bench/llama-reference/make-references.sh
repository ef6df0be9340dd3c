#!/usr/bin/env bash
# Regenerates the llama.cpp reference output of the architecture test fixtures.
# usage: bench/llama-reference/make-references.sh /path/to/llama.cpp   (a built checkout outside this repository)
set -euo pipefail
llama=${1:?path to a built llama.cpp checkout}
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$here/../../tests/Hearth.Engine.Tests/Fixtures/architectures
tool=$(mktemp -d)/llama-reference
cc -O2 "$here/llama-reference.c" -I"$llama/include" -I"$llama/ggml/include" -L"$llama/build/bin" -lllama -lggml-base \
   -Wl,-rpath,"$llama/build/bin" -o "$tool"
# Three prompts: 40 tokens (longer than gemma2's sliding window of 8), 7, and 100; ids are fixed pseudo-random picks below 64.
long="5 17 42 8 33 61 2 29 14 50 7 38 23 56 11 45 3 27 60 19 36 9 52 24 1 47 31 13 58 21 40 6 34 63 16 49 26 10 55 30"
short="12 4 39 22 57 15 44"
# and 100 tokens (Python random.Random(12), ids 1..63): past 64 rows llama.cpp takes its tiled flash attention
long100="31 18 43 34 43 23 10 25 1 24 31 18 42 52 30 45 56 39 15 36 1 43 40 10 63 29 24 11 22 58 14 4 37 53 13 5 33 44 53 22 44 26 52 54 6 2 59 4 53 59 43 33 15 6 28 61 29 8 43 28 63 9 35 21 57 40 36 11 63 45 57 4 36 11 33 53 6 26 39 27 43 39 31 31 39 25 35 2 42 47 6 62 13 63 51 43 17 23 61 24"
for model in "$fixtures"/*.gguf; do
  name=$(basename "$model" .gguf)
  # the long prompt in a 512-token context (LongRoPE's long factors), the short one in the default 256
  { N_CTX=512 "$tool" "$model" long $long; "$tool" "$model" short $short; N_CTX=512 "$tool" "$model" long100 $long100; } 2>/dev/null > "$fixtures/$name.jsonl"
  echo "wrote $fixtures/$name.jsonl"
done

# A 100-token prompt on the shared test models (../shared/models): past 64 rows, llama.cpp's tiled flash attention.
# Ids are fixed pseudo-random picks in 3..499 (Python random.Random(11)), valid in every vocabulary here.
shared=$here/../../../shared/models
shared100="234 446 289 441 476 402 241 234 263 440 303 100 97 414 265 246 325 317 409 98 51 231 158 75 49 278 417 458 358 327 24 307 205 496 234 337 381 318 335 83 322 10 428 273 35 33 21 100 453 126 310 18 401 240 170 228 305 434 103 268 122 330 153 258 5 342 46 237 338 145 211 285 480 433 45 365 133 164 391 120 265 150 18 38 291 395 58 208 58 436 151 200 37 493 11 436 353 3 112 110"
mkdir -p "$here/../../tests/Hearth.Engine.Tests/Fixtures/long-prompt"
for name in stories260K tiny-llama2-spm-f32 tiny-llama2-spm-q8_0 tiny-qwen2-q8_0; do
  "$tool" "$shared/$name.gguf" long100 $shared100 2>/dev/null > "$here/../../tests/Hearth.Engine.Tests/Fixtures/long-prompt/$name.jsonl"
  echo "wrote Fixtures/long-prompt/$name.jsonl"
done
