"""Run scikit-learn, scikit-learn-intelex, FAISS and mlpack on the .npy files written by KMeansBenchmarks and print
side-by-side tables: (a) ms per iteration as (fit of 21 iterations − fit of 1) / 20 and (b) the whole fit of 20
iterations from the given centres, setup included, for every peer and for us (KMeansBenchmarks times the library's
fits the same way: wholeFitMs, msPerIteration).

Called by Benchmarks/peers.sh (which creates the venv and fixes the environment); see docs/BENCHMARKS.md.
"""
import argparse
import json
import os
import platform
import re
import sys
import time

import numpy as np

CASES = [
    ("A", "n100k_d2_k8"),
    ("B", "n100k_d32_k64"),
    ("C", "n1m_d16_k16"),
    ("D", "n200k_d128_k256"),
]


def exact_inertia(x, centers):
    """Float64 sum over all points of the squared distance to the nearest centre."""
    c = centers.astype(np.float64)
    cc = (c * c).sum(axis=1)
    total = 0.0
    step = max(1, 4_000_000 // max(1, c.shape[0]))
    for start in range(0, x.shape[0], step):
        xs = x[start:start + step].astype(np.float64)
        d2 = (xs * xs).sum(axis=1)[:, None] - 2.0 * xs @ c.T + cc[None, :]
        best = d2.argmin(axis=1)
        diff = xs - c[best]
        total += float((diff * diff).sum())
    return total


def best_time(fn, repeats, warmup=True):
    if warmup:
        fn()
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def timed_fits(label, peer, fit, reps):
    """Fits of 1, 21 and 20 iterations, interleaved: one warm-up round, then `reps` rounds, best time of each.
    `fit(iterations)` returns (iterations run, final centres). A peer whose warm-up 20-iteration fit takes more than
    3 s is timed on that round alone (noted)."""
    print(f"[{label}] {peer}", file=sys.stderr, flush=True)
    best = {1: float("inf"), 21: float("inf"), 20: float("inf")}
    runs = {}
    note = ""
    for round_index in range(reps + 1):
        times = {}
        for iterations in (1, 21, 20):
            start = time.perf_counter()
            runs[iterations] = fit(iterations)
            times[iterations] = time.perf_counter() - start
        if round_index > 0:
            best = {it: min(best[it], times[it]) for it in best}
        elif times[20] > 3:
            best, note = times, "one run, no warm-up"
            break
    n1, n21, n20 = runs[1][0], runs[21][0], runs[20][0]
    per_iteration = (best[21] - best[1]) * 1000 / (n21 - n1) if n21 > n1 and best[21] > best[1] else None
    return {"whole_fit_ms": best[20] * 1000, "ms_per_iter": per_iteration, "iterations_20": n20,
            "iterations_21": n21, "iterations_1": n1, "centers": runs[20][1], "note": note}


def mlpack_fit(x64, init64, algorithm):
    """mlpack.kmeans from the given centres (float64, as mlpack takes); the iteration count read from its log."""
    import mlpack

    def fit(iterations):
        result = mlpack.kmeans(clusters=init64.shape[0], input_=x64, initial_centroids=init64, algorithm=algorithm,
                               max_iterations=iterations)
        return iterations, result["centroid"]

    return fit


def mlpack_iterations_and_distances(data_dir, name, algorithm, iterations):
    """Iterations run and distance calculations reported by mlpack's verbose log: an extra, untimed fit in a child
    process (mlpack's C++ log is buffered, so it cannot be captured reliably in this one)."""
    import subprocess

    script = (
        "import numpy as np, mlpack, sys\n"
        f"x = np.load({os.path.join(data_dir, name + '.x.npy')!r}).astype(np.float64)\n"
        f"init = np.load({os.path.join(data_dir, name + '.init.npy')!r}).astype(np.float64)\n"
        f"mlpack.kmeans(clusters=init.shape[0], input_=x, initial_centroids=init, algorithm={algorithm!r}, "
        f"max_iterations={iterations}, verbose=True)\n"
    )
    text = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, errors="replace").stdout
    ran = len(re.findall(r"KMeans::Cluster\(\): iteration \d+", text))
    distances = [int(m) for m in re.findall(r"(\d+) distance calculations", text)]
    return ran, (sum(distances) if distances else None)


def run_case(label, name, data_dir, repeats, threads, skip_slow, peers):
    from sklearn.cluster import KMeans, MiniBatchKMeans, kmeans_plusplus

    x = np.load(os.path.join(data_dir, f"{name}.x.npy"))
    init = np.load(os.path.join(data_dir, f"{name}.init.npy"))
    n, d = x.shape
    k = init.shape[0]
    out = {"case": label, "name": name, "n": n, "d": d, "k": k, "load_before": load_average(), "fits": {}}
    reps = repeats if n * d * k < 1e9 else max(1, repeats // 2)

    def record(peer, fit):
        timing = timed_fits(label, peer, fit, reps)
        timing["inertia"] = exact_inertia(x, timing.pop("centers"))
        out["fits"][peer] = timing

    def sklearn_fit(cls, algorithm):
        def fit(iterations):
            model = cls(n_clusters=k, algorithm=algorithm, init=init, n_init=1, max_iter=iterations, tol=0.0)
            model.fit(x)
            return int(model.n_iter_), model.cluster_centers_
        return fit

    if "sklearn" in peers:
        record("scikit-learn lloyd", sklearn_fit(KMeans, "lloyd"))
        record("scikit-learn elkan", sklearn_fit(KMeans, "elkan"))
    if "sklearnex" in peers:
        from sklearnex.cluster import KMeans as IntelKMeans
        record("scikit-learn-intelex (oneDAL) lloyd", sklearn_fit(IntelKMeans, "lloyd"))
    if "faiss" in peers:
        import faiss

        def faiss_fit(iterations):
            fk = faiss.Kmeans(d, k, niter=iterations, max_points_per_centroid=10**9, min_points_per_centroid=1,
                              seed=1234, verbose=False)
            fk.train(x, init_centroids=init)
            return (len(fk.obj) if len(fk.obj) else iterations), fk.centroids

        record("faiss (all points)", faiss_fit)
    if "mlpack" in peers:
        x64 = x.astype(np.float64)
        init64 = init.astype(np.float64)
        for algorithm in ("naive", "elkan", "hamerly", "dualtree"):
            peer = f"mlpack {algorithm}"
            if skip_slow and algorithm == "dualtree" and n * d * k > 1e9:
                continue
            record(peer, mlpack_fit(x64, init64, algorithm))
            timing = out["fits"][peer]
            ran = {it: mlpack_iterations_and_distances(data_dir, name, algorithm, it) for it in (1, 21, 20)}
            timing["iterations_1"], timing["iterations_21"], timing["iterations_20"] = (ran[1][0], ran[21][0], ran[20][0])
            timing["distance_calculations_20"] = ran[20][1]
            # Re-derive the per-iteration time with the iteration counts mlpack actually ran.
            if timing["ms_per_iter"] is not None and ran[21][0] > ran[1][0]:
                timing["ms_per_iter"] *= 20 / (ran[21][0] - ran[1][0])

    sk = KMeans(n_clusters=k, algorithm="lloyd", init=init, n_init=1, max_iter=20, tol=0.0).fit(x)
    t, _ = best_time(lambda: sk.predict(x), reps + 2)
    out["sklearn_predict_ms"] = t * 1000

    if not (skip_slow and k * n * d > 1e9):
        print(f"[{label}] sklearn kmeans_plusplus", file=sys.stderr, flush=True)
        t, _ = best_time(lambda: kmeans_plusplus(x, k, random_state=0), 1 if k * n * d > 1e9 else reps, warmup=False)
        out["sklearn_kmeanspp_s"] = t

    print(f"[{label}] sklearn MiniBatchKMeans", file=sys.stderr, flush=True)

    def mb_fit():
        mb = MiniBatchKMeans(n_clusters=k, init=init, n_init=1, batch_size=1024, max_iter=1,
                             max_no_improvement=None, tol=0.0, compute_labels=False, random_state=0)
        mb.fit(x)
        return mb

    t, mb = best_time(mb_fit, max(1, reps // 2), warmup=False)
    out["sklearn_minibatch_step_ms"] = t * 1000 / mb.n_steps_

    if "faiss" in peers:
        import faiss
        index = faiss.IndexFlatL2(d)
        index.add(np.ascontiguousarray(init))
        t, _ = best_time(lambda: index.search(x, 1), reps + 2)
        out["faiss_predict_ms"] = t * 1000

    final = os.path.join(data_dir, f"{name}.swift-final.npy")
    if os.path.exists(final):
        out["ours_inertia_numpy"] = exact_inertia(x, np.load(final))
    out["load_after"] = load_average()
    return out


def ratio(theirs, ours):
    if theirs is None or ours is None or not ours:
        return None
    return theirs / ours


def agrees(a, b):
    return a is not None and b is not None and abs(a - b) <= 1e-4 * abs(b)


def fmt(v, digits=3):
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    return f"{v:.{digits}g}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="Benchmarks/data")
    parser.add_argument("--swift-json", default=None)
    parser.add_argument("--cases", default="A,B,C,D")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip-slow", action="store_true",
                        help="skip k-means++ and mlpack's dual-tree fits on case D (about 13 s per call each)")
    parser.add_argument("--peers", default="sklearn,sklearnex,faiss,mlpack",
                        help="comma-separated subset of sklearn, sklearnex, faiss, mlpack")
    args = parser.parse_args()

    from threadpoolctl import threadpool_info
    import sklearn
    import faiss

    from importlib.metadata import version
    print(f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
          f"scikit-learn-intelex {version('scikit-learn-intelex')}, faiss {faiss.__version__}, "
          f"mlpack {version('mlpack')}, threads {args.threads}")
    for pool in threadpool_info():
        print(f"  threadpoolctl: {pool.get('user_api')} {pool.get('internal_api')} {pool.get('version')} "
              f"kernel={pool.get('architecture')} threads={pool.get('num_threads')} ({os.path.basename(pool.get('filepath', ''))})")
    print(f"  OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')!r} OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE')!r}")
    faiss.omp_set_num_threads(args.threads)

    swift_json = args.swift_json or os.path.join(args.data_dir, "swift-results.json")
    ours = {}
    if os.path.exists(swift_json):
        with open(swift_json) as f:
            for r in json.load(f):
                ours[r["caseInfo"]["label"]] = r
    else:
        print(f"warning: {swift_json} not found; run the Swift benchmark first", file=sys.stderr)

    wanted = args.cases.split(",")
    results = []
    for label, name in CASES:
        if label not in wanted:
            continue
        if not os.path.exists(os.path.join(args.data_dir, f"{name}.x.npy")):
            print(f"[{label}] no data in {args.data_dir}; run the Swift benchmark first", file=sys.stderr)
            continue
        results.append(run_case(label, name, args.data_dir, args.repeats, args.threads, args.skip_slow,
                                args.peers.split(",")))

    print()
    print(f"load average before the peers: {results[0]['load_before'] if results else '—'}; "
          f"after: {load_average()} (the Swift side's load is in swift-results.json: loadBefore / loadAfter)")
    peer_names = []
    for r in results:
        for peer in r["fits"]:
            if peer not in peer_names:
                peer_names.append(peer)
    ours_column = "ours (library, auto)"

    def table(title, field, ours_fields, lead_needed):
        print()
        print(f"### {title}")
        print()
        print("| case | ours (library, auto) | ours (library, incremental) | " + " | ".join(peer_names) +
              " | best peer | best peer ÷ ours (auto / incremental) |")
        print("|---|" + "---|" * (len(peer_names) + 4))
        for r in results:
            o = ours.get(r["case"], {})
            us, us_fast = o.get(ours_fields[0]), o.get(ours_fields[1])
            cells, best = [], None
            for peer in peer_names:
                f = r["fits"].get(peer)
                v = f.get(field) if f else None
                mark = ""
                if f and field == "ms_per_iter" and f["iterations_21"] - f["iterations_1"] != 20:
                    mark = f" ({f['iterations_21'] - f['iterations_1']} it)"
                if f and f.get("note"):
                    mark += f" ({f['note']})"
                cells.append(fmt(v) + mark)
                if v is not None and (best is None or v < best[1]):
                    best = (peer, v)
            leads = []
            for value in (us, us_fast):
                lead = ratio(best[1], value) if best else None
                leads.append("—" if lead is None else fmt(lead) + (" ✓" if lead >= lead_needed else " ✗"))
            shape = f'{r["case"]} {r["n"]}×{r["d"]}×{r["k"]}'
            print(f"| {shape} | {fmt(us)} | {fmt(us_fast)} | " + " | ".join(cells) +
                  f" | {best[0] if best else '—'} | {' / '.join(leads)} |")

    table("(a) ms per iteration = (fit of 21 iterations − fit of 1) / 20 (— : not resolved)", "ms_per_iter",
          ("msPerIteration", "incrementalMsPerIteration"), 1.0)
    table("(b) whole fit of 20 iterations from the given centres, setup included, ms (goal: best peer ÷ ours ≥ 4)",
          "whole_fit_ms", ("wholeFitMs", "incrementalWholeFitMs"), 4.0)

    print()
    print("### Final inertia of the 20-iteration fits (float64), relative difference to scikit-learn lloyd (ok ≤ 1e-4)")
    print()
    print("| case | scikit-learn lloyd | " + " | ".join([ours_column, "ours (library, incremental)"] +
                                                     [p for p in peer_names if p != "scikit-learn lloyd"]) + " |")
    print("|---|---|" + "---|" * (len(peer_names) + 1))
    for r in results:
        o = ours.get(r["case"], {})
        reference = r["fits"].get("scikit-learn lloyd", {}).get("inertia")
        cells = []
        for value in [o.get("wholeFitInertia"), o.get("incrementalInertia")] + [r["fits"].get(p, {}).get("inertia") for p in peer_names
                                                   if p != "scikit-learn lloyd"]:
            if value is None or reference is None:
                cells.append(fmt(value, 9))
            else:
                diff = abs(value - reference) / abs(reference)
                cells.append(f"{value:.9g} ({diff:.1e} {'ok' if diff <= 1e-4 else 'DIFFERS'})")
        print(f'| {r["case"]} | {fmt(reference, 9)} | ' + " | ".join(cells) + " |")

    print()
    print("### Work per fit")
    print()
    for r in results:
        o = ours.get(r["case"], {})
        def pct(field):
            return fmt(o[field] * 100) if o.get(field) is not None else "—"

        parts = [f'ours: rows read per iteration {pct("pointsReadShare")} %, fully searched {pct("fullSearchShare")} %; '
                 f'incremental: rows read {pct("incrementalPointsReadShare")} %, fully searched '
                 f'{pct("incrementalFullSearchShare")} %, centres {fmt(o.get("incrementalMaxUlpsFromTF"))} ulps from the auto fit']
        for peer, f in r["fits"].items():
            if f.get("distance_calculations_20") is not None:
                brute = r["n"] * r["k"] * f["iterations_20"]
                parts.append(f'{peer}: {f["distance_calculations_20"]:,} distance calculations in '
                             f'{f["iterations_20"]} iterations ({100 * f["distance_calculations_20"] / brute:.1f} % of brute force)')
        print(f'- {r["case"]}: ' + "; ".join(parts))

    print()
    print("### Other tasks")
    print()
    print("| case | task | ours | scikit-learn | FAISS |")
    print("|---|---|---|---|---|")
    for r in results:
        o = ours.get(r["case"], {})
        shape = f'{r["case"]} {r["n"]}×{r["d"]}×{r["k"]}'
        print(f'| {shape} | library predict ms (ModelFunction.nearestIndices) | {fmt(o.get("libraryPredictMs"))} | '
              f'{fmt(r["sklearn_predict_ms"])} | {fmt(r.get("faiss_predict_ms"))} |')
        print(f'| {shape} | k-means++ init s | {fmt(o.get("kmeansPlusPlusSeconds"))} | {fmt(r.get("sklearn_kmeanspp_s"))} | — |')
        print(f'| {shape} | mini-batch step ms (1024) | {fmt(o.get("miniBatchStepMs"))} | '
              f'{fmt(r["sklearn_minibatch_step_ms"])} | — |')
    for r in results:
        o = ours.get(r["case"], {})
        if "ours_inertia_numpy" in r and o.get("lloydInertia"):
            diff = abs(r["ours_inertia_numpy"] - o["lloydInertia"]) / o["lloydInertia"]
            print(f'{r["case"]}: our kernel-loop inertia recomputed by numpy {r["ours_inertia_numpy"]:.9g} '
                  f'(relative difference {diff:.1e}); load {r["load_before"]:.2f}→{r["load_after"]:.2f}')
    out_path = os.path.join(args.data_dir, "peer-results.json")
    with open(out_path, "w") as f:
        json.dump(results, f, indent=2)
    print(f"peer results written to {out_path}")


if __name__ == "__main__":
    main()
