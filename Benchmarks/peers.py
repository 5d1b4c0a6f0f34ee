"""Run scikit-learn and FAISS on the .npy files written by KMeansBenchmarks and print one comparison table.

Called by Benchmarks/peers.sh (which creates the venv and fixes the environment); see docs/BENCHMARKS.md.
"""
import argparse
import json
import os
import platform
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


def run_case(label, name, data_dir, repeats, threads, skip_slow):
    from sklearn.cluster import KMeans, MiniBatchKMeans, kmeans_plusplus
    import faiss

    x = np.load(os.path.join(data_dir, f"{name}.x.npy"))
    init = np.load(os.path.join(data_dir, f"{name}.init.npy"))
    n, d = x.shape
    k = init.shape[0]
    out = {"case": label, "name": name, "n": n, "d": d, "k": k, "load_before": load_average()}
    reps = repeats if n * d * k < 1e9 else max(1, repeats // 2)
    def sk_fit(algorithm):
        print(f"[{label}] {name}: sklearn KMeans ({algorithm})", file=sys.stderr, flush=True)

        def fit():
            model = KMeans(n_clusters=k, algorithm=algorithm, init=init, n_init=1, max_iter=20, tol=0.0)
            model.fit(x)
            return model

        t, model = best_time(fit, reps)
        return model, t * 1000 / model.n_iter_, exact_inertia(x, model.cluster_centers_)

    km, out["sklearn_ms_per_iter"], out["sklearn_inertia"] = sk_fit("lloyd")
    out["sklearn_n_iter"] = int(km.n_iter_)
    # scikit-learn's accelerated exact variant, for the rows that compare our accelerated (auto) iteration.
    ke, out["sklearn_elkan_ms_per_iter"], out["sklearn_elkan_inertia"] = sk_fit("elkan")
    out["sklearn_elkan_n_iter"] = int(ke.n_iter_)

    t, _ = best_time(lambda: km.predict(x), reps + 2)
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

    # partial_fit on pre-sampled batches: the update alone, without fit's per-step O(N) weighted sampling.
    rng = np.random.default_rng(7)
    batches = [np.ascontiguousarray(x[rng.integers(0, n, 1024)]) for _ in range(20)]
    pf = MiniBatchKMeans(n_clusters=k, init=init, n_init=1, batch_size=1024, random_state=0)
    pf.partial_fit(batches[0])

    def partial_steps():
        for b in batches:
            pf.partial_fit(b)

    t, _ = best_time(partial_steps, max(1, reps // 2), warmup=False)
    out["sklearn_partial_fit_ms"] = t * 1000 / len(batches)

    print(f"[{label}] faiss Kmeans (all points)", file=sys.stderr, flush=True)

    def faiss_fit():
        fk = faiss.Kmeans(d, k, niter=20, max_points_per_centroid=10**9, min_points_per_centroid=1,
                          seed=1234, verbose=False)
        fk.train(x, init_centroids=init)
        return fk

    t, fk = best_time(faiss_fit, reps)
    iterations = len(fk.obj) if len(fk.obj) else 20
    out["faiss_iterations"] = iterations
    out["faiss_ms_per_iter"] = t * 1000 / iterations
    out["faiss_inertia"] = exact_inertia(x, fk.centroids)

    index = faiss.IndexFlatL2(d)
    index.add(np.ascontiguousarray(fk.centroids))
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
    parser.add_argument("--skip-slow", action="store_true", help="skip k-means++ on case D (about 13 s per call)")
    args = parser.parse_args()

    from threadpoolctl import threadpool_info
    import sklearn
    import faiss

    print(f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
          f"faiss {faiss.__version__}, threads {args.threads}")
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
        results.append(run_case(label, name, args.data_dir, args.repeats, args.threads, args.skip_slow))

    rows = []
    for r in results:
        o = ours.get(r["case"], {})
        our_inertia = o.get("lloydInertia")
        ok_sk = agrees(r["sklearn_inertia"], our_inertia)
        ok_fa = agrees(r["faiss_inertia"], our_inertia)
        shape = f'{r["case"]} {r["n"]}×{r["d"]}×{r["k"]}'
        rows.append((shape, "kernel-loop Lloyd ms/iter (20 it)", o.get("lloydMsPerIteration"), r["sklearn_ms_per_iter"],
                     r["faiss_ms_per_iter"], our_inertia, r["sklearn_inertia"], r["faiss_inertia"],
                     ("ok" if ok_sk else "VOID") + "/" + ("ok" if ok_fa else "VOID"),
                     f'sk n_iter={r["sklearn_n_iter"]}, faiss it={r["faiss_iterations"]}'))
        rows.append((shape, f'kernel-loop full batch ms/iter, auto = {o.get("autoAlgorithm", "?")}', o.get("autoMsPerIteration"),
                     r["sklearn_ms_per_iter"], r["faiss_ms_per_iter"], None, None, None, "",
                     "same assignments as Lloyd at every step"))
        if r.get("sklearn_elkan_ms_per_iter") is not None:
            ok_elkan = agrees(r["sklearn_elkan_inertia"], our_inertia)
            rows.append((shape, f'kernel-loop full batch ms/iter, auto = {o.get("autoAlgorithm", "?")}, vs scikit-learn algorithm="elkan"',
                         o.get("autoMsPerIteration"), r["sklearn_elkan_ms_per_iter"], None, None,
                         r["sklearn_elkan_inertia"], None, ("ok" if ok_elkan else "VOID") + "/—",
                         f'sk elkan n_iter={r["sklearn_elkan_n_iter"]}'))
        rows.append((shape, "kernel-loop predict ms (plain pass, indices only)", o.get("predictMs"), r["sklearn_predict_ms"], r["faiss_predict_ms"],
                     None, None, None, "", "faiss = IndexFlatL2.search(k=1)"))
        rows.append((shape, "library predict ms (ModelFunction.nearestIndices, as predictClusterIndex)",
                     o.get("libraryPredictMs"), r["sklearn_predict_ms"], r["faiss_predict_ms"], None, None, None, "",
                     "what a user's predict runs; pruned search where the library applies it (d ≥ 64, k ≥ 32)"))
        rows.append((shape, "library full-batch step ms/iter (ModelFunction.trainStepSummary, auto)",
                     o.get("libraryMsPerIteration"), r["sklearn_ms_per_iter"], r["faiss_ms_per_iter"], None, None,
                     None, "", "what KMeansClustering.train runs per step: TF's update, validation, assignment output"))
        rows.append((shape, "k-means++ init s", o.get("kmeansPlusPlusSeconds"), r.get("sklearn_kmeanspp_s"), None,
                     None, None, None, "", "greedy, 2+ln K candidates"))
        rows.append((shape, "mini-batch step ms (1024)", o.get("miniBatchStepMs"), r["sklearn_minibatch_step_ms"],
                     None, None, None, None, "",
                     f'sklearn = MiniBatchKMeans.fit / n_steps_ (partial_fit per batch: {fmt(r.get("sklearn_partial_fit_ms"))} ms)'))

    print()
    print("| case | task | ours | scikit-learn | ratio sk/ours | FAISS | ratio faiss/ours | inertia ours | inertia sklearn | inertia faiss | 1e-4 agreement (sk/faiss) | notes |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for shape, task, us, sk, fa, i_us, i_sk, i_fa, verdict, note in rows:
        print(f"| {shape} | {task} | {fmt(us)} | {fmt(sk)} | {fmt(ratio(sk, us))} | {fmt(fa)} | {fmt(ratio(fa, us))} | "
              f"{fmt(i_us, 9)} | {fmt(i_sk, 9)} | {fmt(i_fa, 9)} | {verdict} | {note} |")
    for r in results:
        o = ours.get(r["case"], {})
        if "ours_inertia_numpy" in r and o.get("lloydInertia"):
            diff = abs(r["ours_inertia_numpy"] - o["lloydInertia"]) / o["lloydInertia"]
            print(f'{r["case"]}: our inertia recomputed by numpy {r["ours_inertia_numpy"]:.9g} '
                  f'(relative difference {diff:.1e}); load {r["load_before"]:.2f}→{r["load_after"]:.2f}')
    for r in results:
        o = ours.get(r["case"], {})
        data = o.get("dataBytes")
        if data and o.get("coreOnlyPeakResidentBytes"):
            print(f'{r["case"]}: our full-batch peak memory / data: {o["coreOnlyPeakResidentBytes"] / data:.3f}× in a '
                  f'core-only process (KMeansMemoryProbe, runtime baseline '
                  f'{o.get("coreOnlyBaselineResidentBytes", 0) / 2**20:.1f} MiB included); '
                  f'{o["libraryPeakResidentBytes"] / data:.2f}× in the benchmark process '
                  f'({(o["libraryPeakResidentBytes"] - o["baselineResidentBytes"]) / data:.2f}× above its baseline)')
    out_path = os.path.join(args.data_dir, "peer-results.json")
    with open(out_path, "w") as f:
        json.dump(results, f, indent=2)
    print(f"peer results written to {out_path}")


if __name__ == "__main__":
    main()
