#!/usr/bin/env bash
# Regenerates the llama.cpp reference output of the architecture test fixtures.
# usage: bench/llama-reference/make-references.sh /path/to/llama.cpp   (a built checkout outside this repository)
set -euo pipefail
llama=${1:?path to a built llama.cpp checkout}
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$here/../../tests/Hearth.Engine.Tests/Fixtures/architectures
tool=$(mktemp -d)/llama-reference
cc -O2 "$here/llama-reference.c" -I"$llama/include" -I"$llama/ggml/include" -L"$llama/build/bin" -lllama \
   -Wl,-rpath,"$llama/build/bin" -o "$tool"
# Two prompts: 40 tokens (longer than gemma2's sliding window of 8) and 7; ids are fixed pseudo-random picks below 64.
long="5 17 42 8 33 61 2 29 14 50 7 38 23 56 11 45 3 27 60 19 36 9 52 24 1 47 31 13 58 21 40 6 34 63 16 49 26 10 55 30"
short="12 4 39 22 57 15 44"
for model in "$fixtures"/*.gguf; do
  name=$(basename "$model" .gguf)
  # the long prompt in a 512-token context (LongRoPE's long factors), the short one in the default 256
  { N_CTX=512 "$tool" "$model" long $long; "$tool" "$model" short $short; } 2>/dev/null > "$fixtures/$name.jsonl"
  echo "wrote $fixtures/$name.jsonl"
done
