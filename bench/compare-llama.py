#!/usr/bin/env python3
"""Hearth vs llama.cpp's llama-bench on the same GGUF files and thread count, runs interleaved.

usage: bench/compare-llama.py --llama-bench PATH [--threads 2] [--prompt 128] [--gen 64] [--rounds 2]
                              [--repeat 3] [--hearth "dotnet bench/Hearth.Bench/bin/Release/net10.0/Hearth.Bench.dll"]
                              MODEL.gguf ...

For each model and round it runs Hearth's `engine` mode, then llama-bench (-p P -n N -t T -r R -o jsonl), each as a
child process. Peak RSS: Hearth's own VmHWM; llama-bench's through a wrapper's getrusage(RUSAGE_CHILDREN). Prints one JSON line per run and, at the end, one per model
with the medians over rounds and the ratios Hearth / llama.cpp. Time to first token for llama.cpp is the time of its
pp test (n_prompt / pp t/s), the same quantity Hearth's engine mode reports. Nothing is hard-coded: every figure
comes from the runs. The machine may be shared, so use several rounds and read the min/max too.
"""
import argparse, json, os, shlex, statistics, subprocess, sys, time


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr[-2000:])
        raise SystemExit(f"failed ({p.returncode}): {shlex.join(cmd)}")
    return p.stdout


def hearth(args, model):
    cmd = shlex.split(args.hearth) + ["engine", "--model", model, "--threads", str(args.threads), "--prompt", str(args.prompt),
                                      "--gen", str(args.gen), "--repeat", str(args.repeat)]
    out = run(cmd)  # peak RSS: Hearth reports its own VmHWM
    summary = [json.loads(l) for l in out.splitlines() if l.startswith("{") and '"summary"' in l][-1]
    return {"tool": "hearth", "model": os.path.basename(model), "threads": summary["threads"],
            "pp_tps": summary["pp_tokens_per_s"], "tg_tps": summary["tg_tokens_per_s"],
            "ttft_ms": summary["time_to_first_token_ms"], "peak_rss_mb": summary["peak_rss_mb"],
            "file_mb": summary["file_mb"], "kv_cache_mb": summary["kv_cache_mb"], "command": shlex.join(cmd)}


def llama(args, model):
    # Peak RSS via a tiny wrapper so each run's own maximum is measured (RUSAGE_CHILDREN is cumulative-max).
    cmd = [args.llama_bench, "-m", model, "-t", str(args.threads), "-p", str(args.prompt), "-n", str(args.gen),
           "-r", str(args.repeat), "-o", "jsonl"]
    wrapper = [sys.executable, "-c",
               "import resource,subprocess,sys;p=subprocess.run(sys.argv[1:]);"
               "sys.stderr.write('PEAK_RSS_KB %d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);sys.exit(p.returncode)"] + cmd
    p = subprocess.run(wrapper, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr[-2000:])
        raise SystemExit(f"failed ({p.returncode}): {shlex.join(cmd)}")
    rss = [int(l.split()[1]) for l in p.stderr.splitlines() if l.startswith("PEAK_RSS_KB")][-1] / 1024.0
    rows = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    pp = next(r for r in rows if r["n_prompt"] > 0 and r["n_gen"] == 0)
    tg = next(r for r in rows if r["n_gen"] > 0 and r["n_prompt"] == 0)
    return {"tool": "llama.cpp", "model": os.path.basename(model), "threads": pp["n_threads"],
            "pp_tps": round(pp["avg_ts"], 2), "tg_tps": round(tg["avg_ts"], 2),
            "ttft_ms": round(pp["n_prompt"] / pp["avg_ts"] * 1000, 1), "peak_rss_mb": round(rss, 1),
            "build_commit": pp["build_commit"], "command": shlex.join(cmd)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--llama-bench", required=True)
    ap.add_argument("--hearth", default="dotnet bench/Hearth.Bench/bin/Release/net10.0/Hearth.Bench.dll")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--gen", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("models", nargs="+")
    args = ap.parse_args()

    results = {}
    for rnd in range(args.rounds):
        for model in args.models:
            # alternate which tool goes first, so neither always runs right after the other's page-in
            order = [hearth, llama] if rnd % 2 == 0 else [llama, hearth]
            for tool in order:
                r = tool(args, model)
                r["round"] = rnd
                r["time"] = time.strftime("%H:%M:%S", time.gmtime())
                print(json.dumps(r), flush=True)
                results.setdefault((os.path.basename(model), r["tool"]), []).append(r)

    for model in args.models:
        name = os.path.basename(model)
        h, l = results[(name, "hearth")], results[(name, "llama.cpp")]
        med = lambda rs, k: round(statistics.median(x[k] for x in rs), 2)
        line = {"summary": name, "threads": args.threads, "n_prompt": args.prompt, "n_gen": args.gen, "rounds": args.rounds}
        for k in ("pp_tps", "tg_tps", "ttft_ms", "peak_rss_mb"):
            line[f"hearth_{k}"] = med(h, k)
            line[f"llama_{k}"] = med(l, k)
            line[f"hearth_{k}_range"] = [min(x[k] for x in h), max(x[k] for x in h)]
            line[f"llama_{k}_range"] = [min(x[k] for x in l), max(x[k] for x in l)]
        line["pp_ratio"] = round(line["hearth_pp_tps"] / line["llama_pp_tps"], 2)
        line["tg_ratio"] = round(line["hearth_tg_tps"] / line["llama_tg_tps"], 2)
        line["rss_budget_mb"] = round(h[0]["file_mb"] + h[0]["kv_cache_mb"] + 100, 1)
        line["llama_commit"] = l[0]["build_commit"]
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
