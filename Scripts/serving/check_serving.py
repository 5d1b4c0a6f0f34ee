"""Called by Scripts/check-serving: WORK_DIR SAVED_MODEL_CLI (KMEANS names the kmeans binary).
For each metric and d in 2, 3, 16: train with kmeans on seeded blobs, export a SavedModel and an ONNX file,
predict 400 held-out points with `kmeans predict`, then run every signature through (A) tf.saved_model.load,
(B) the C API's TF_LoadSessionFromSavedModel + TF_SessionRun (C++ LoadSavedModel, as TF Serving), (C)
saved_model_cli run, and (O) onnxruntime, and compare. Prints one line per loader and case."""
import ctypes, json, os, subprocess, sys
import numpy as np
import tensorflow as tf
import onnxruntime as ort
from tensorflow.core.protobuf import meta_graph_pb2, config_pb2

tf.get_logger().setLevel("ERROR")
work, cli = sys.argv[1], sys.argv[2]
kmeans = os.environ["KMEANS"]
K = 4

def run(*args, **kw):
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True, **kw).stdout

def blobs(seed, n, d):
    rng = np.random.RandomState(seed)
    centers = np.random.RandomState(99 + d).uniform(-10, 10, (K, d))
    return (centers[rng.randint(0, K, n)] + rng.randn(n, d)).astype(np.float32)

# --- (B) the C API loader, as the fixture's scripts/check.py does it --------------------------------------------------
lib = ctypes.CDLL(os.path.join(os.path.dirname(tf.__file__), "libtensorflow_cc.so.2"), mode=ctypes.RTLD_GLOBAL)
vp = ctypes.c_void_p
class TF_Buffer(ctypes.Structure): _fields_ = [("data", vp), ("length", ctypes.c_size_t), ("dealloc", vp)]
class TF_Output(ctypes.Structure): _fields_ = [("oper", vp), ("index", ctypes.c_int)]
for n, r, a in [("TF_NewStatus", vp, []), ("TF_GetCode", ctypes.c_int, [vp]), ("TF_Message", ctypes.c_char_p, [vp]),
                ("TF_NewSessionOptions", vp, []), ("TF_SetConfig", None, [vp, ctypes.c_char_p, ctypes.c_size_t, vp]),
                ("TF_NewGraph", vp, []), ("TF_NewBuffer", ctypes.POINTER(TF_Buffer), []),
                ("TF_LoadSessionFromSavedModel", vp, [vp, vp, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, vp, ctypes.POINTER(TF_Buffer), vp]),
                ("TF_GraphOperationByName", vp, [vp, ctypes.c_char_p]),
                ("TF_AllocateTensor", vp, [ctypes.c_int, ctypes.POINTER(ctypes.c_int64), ctypes.c_int, ctypes.c_size_t]),
                ("TF_TensorData", vp, [vp]), ("TF_TensorByteSize", ctypes.c_size_t, [vp]), ("TF_TensorType", ctypes.c_int, [vp]),
                ("TF_NumDims", ctypes.c_int, [vp]), ("TF_Dim", ctypes.c_int64, [vp, ctypes.c_int]),
                ("TF_SessionRun", None, [vp, vp, ctypes.POINTER(TF_Output), ctypes.POINTER(vp), ctypes.c_int, ctypes.POINTER(TF_Output), ctypes.POINTER(vp), ctypes.c_int, vp, ctypes.c_int, vp, vp])]:
    f = getattr(lib, n); f.restype = r; f.argtypes = a

def c_api(directory, X):
    st = lib.TF_NewStatus(); opts = lib.TF_NewSessionOptions()
    cfg = config_pb2.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1).SerializeToString()
    lib.TF_SetConfig(opts, cfg, len(cfg), st)
    g = lib.TF_NewGraph(); buf = lib.TF_NewBuffer()
    sess = lib.TF_LoadSessionFromSavedModel(opts, None, directory.encode(), (ctypes.c_char_p * 1)(b"serve"), 1, g, buf, st)
    if lib.TF_GetCode(st) != 0: raise RuntimeError("load: " + lib.TF_Message(st).decode())
    mg = meta_graph_pb2.MetaGraphDef(); mg.ParseFromString(ctypes.string_at(buf.contents.data, buf.contents.length))
    def output(name):
        op, index = (name.split(":") + ["0"])[:2]
        return TF_Output(lib.TF_GraphOperationByName(g, op.encode()), int(index))
    results = {}
    for key, sig in mg.signature_def.items():
        dims = (ctypes.c_int64 * 2)(*X.shape)
        t = lib.TF_AllocateTensor(1, dims, 2, X.nbytes); ctypes.memmove(lib.TF_TensorData(t), X.ctypes.data, X.nbytes)
        names = sorted(sig.outputs); outs = (TF_Output * len(names))(*[output(sig.outputs[n].name) for n in names]); vals = (vp * len(names))()
        lib.TF_SessionRun(sess, None, (TF_Output * 1)(output(sig.inputs["x"].name)), (vp * 1)(t), 1, outs, vals, len(names), None, 0, None, st)
        if lib.TF_GetCode(st) != 0: raise RuntimeError("run: " + lib.TF_Message(st).decode())
        for n, v in zip(names, vals):
            shape = [lib.TF_Dim(v, i) for i in range(lib.TF_NumDims(v))]
            dt = {1: np.float32, 9: np.int64}[lib.TF_TensorType(v)]
            results[(key, n)] = np.frombuffer(ctypes.string_at(lib.TF_TensorData(v), lib.TF_TensorByteSize(v)), dt).reshape(shape).copy()
    return results

def tf2_load(directory, X):
    m = tf.saved_model.load(directory)
    return {(key, n): v.numpy() for key, f in m.signatures.items() for n, v in f(x=tf.constant(X)).items()}

def saved_model_cli(directory, X, case_dir):
    np.save(os.path.join(case_dir, "heldout.npy"), X)
    results = {}
    for key in ["serving_default", "cluster_index", "all_distances", "predict"]:
        out = os.path.join(case_dir, "cli_" + key)
        run(cli, "run", "--dir", directory, "--tag_set", "serve", "--signature_def", key,
            "--inputs", "x=" + os.path.join(case_dir, "heldout.npy"), "--outdir", out, "--overwrite")
        for f in os.listdir(out):
            results[(key, f[:-4])] = np.load(os.path.join(out, f))
    return results

def term_scale(X, C, metric):
    """The magnitude of the terms each distance formula subtracts: ‖x‖² + ‖c‖² (squared Euclidean), 1 (cosine).
    float32 rounding of the expansion is relative to this, not to the (possibly tiny) distance itself."""
    if metric == "cosine":
        return np.ones((len(X), len(C)), np.float64)
    return (X.astype(np.float64) ** 2).sum(1)[:, None] + (C.astype(np.float64) ** 2).sum(1)[None, :]

def errors(value, dist, scale):
    plain = np.abs(value.astype(np.float64) - dist) / np.maximum(np.abs(dist), 1e-30)
    scaled = np.abs(value.astype(np.float64) - dist) / np.maximum(np.abs(dist), scale)
    return float(plain.max()), float(np.median(plain)), float(scaled.max()), int((plain > 1e-5).sum())

def compare(name, results, index, dist, scale, reference=None):
    """Index outputs equal kmeans predict; distances within 1e-5 of max(|d|, term scale) (see term_scale)."""
    bad_index, worst, median, worst_scaled, over = 0, 0.0, 0.0, 0.0, 0
    floats = []
    for (key, out), value in sorted(results.items()):
        if value.dtype == np.int64:
            bad_index += int((value != index).sum())
        else:
            floats.append(value)
            p, m, q, o = errors(value, dist, scale)
            worst, median, worst_scaled, over = max(worst, p), max(median, m), max(worst_scaled, q), max(over, o)
    same = all(np.array_equal(f, floats[0]) for f in floats)
    vs = "" if reference is None else (", bit-identical to A" if np.array_equal(floats[0], reference) else ", differs from A")
    ok = bad_index == 0 and worst_scaled <= 1e-5 and same
    print(f"  {name:<22} {'OK ' if ok else 'FAIL'} {len(results)} outputs, index mismatches {bad_index}; distances vs kmeans: "
          f"max rel {worst:.1e} (median {median:.1e}, {over} > 1e-5), max rel to term scale {worst_scaled:.1e}{vs}")
    return ok, floats[0]

all_ok = True
for metric in ["squared_euclidean", "cosine"]:
    for d in [2, 3, 16]:
        case = os.path.join(work, f"{metric}_d{d}"); os.makedirs(case, exist_ok=True)
        train, held = blobs(1, 600, d), blobs(2, 400, d)
        np.savetxt(os.path.join(case, "train.csv"), train, delimiter=",", fmt="%.9g")
        np.savetxt(os.path.join(case, "heldout.csv"), held, delimiter=",", fmt="%.9g")
        model = os.path.join(case, "model")
        run(kmeans, "train", "--data", os.path.join(case, "train.csv"), "--model-dir", model, "--num-clusters", K,
            "--distance-metric", metric, "--use-mini-batch", "false", "--steps", 10, "--random-seed", 7,
            "--initial-clusters", "kmeans_plus_plus", "--quiet")
        export = json.loads(run(kmeans, "export", "--model-dir", model, "--to", os.path.join(case, "exports"), "--format", "json"))["export_dir"]
        onnx_path = os.path.join(case, "model.onnx")
        run(kmeans, "export", "--model-dir", model, "--to", onnx_path, "--format", "onnx")
        rows = [json.loads(l) for l in run(kmeans, "predict", "--model-dir", model, "--data", os.path.join(case, "heldout.csv"), "--format", "jsonl").splitlines()]
        index = np.array([r["cluster_index"] for r in rows], np.int64); dist = np.array([r["all_distances"] for r in rows], np.float32)
        rows_export = run(kmeans, "predict", "--model-dir", export, "--data", os.path.join(case, "heldout.csv"), "--format", "jsonl")
        print(f"{metric} d={d}: k={K}, {len(held)} held-out rows, export {os.path.basename(export)}; "
              f"kmeans predict on the export dir {'equals' if [json.loads(l) for l in rows_export.splitlines()] == rows else 'DIFFERS from'} the model dir's")
        C = np.load(os.path.join(export, "cluster_centers.npy"))
        scale = term_scale(held, C, metric)
        ok, reference = compare("A tf.saved_model.load", tf2_load(export, held), index, dist, scale)
        all_ok &= ok
        for name, results in [("B C API LoadSavedModel", c_api(export, held)), ("C saved_model_cli run", saved_model_cli(export, held, case))]:
            all_ok &= compare(name, results, index, dist, scale, reference)[0]
        session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        label, scores, all_distances = session.run(["label", "scores", "all_distances"], {"X": held})
        ok, _ = compare("O onnxruntime " + ort.__version__, {("onnx", "label"): label, ("onnx", "all_distances"): all_distances},
                        index, dist, scale, reference)
        expected_scores = np.sqrt(np.maximum(dist, 0)) if metric == "squared_euclidean" else dist
        scores_err = float((np.abs(scores - expected_scores) / np.maximum(expected_scores, np.sqrt(scale) if metric == "squared_euclidean" else 1)).max())
        print(f"    onnx scores vs sqrt(kmeans distances): max rel to term scale {scores_err:.1e}")
        all_ok &= ok and scores_err <= 1e-5
print("ALL OK" if all_ok else "SOME CHECKS FAILED")
sys.exit(0 if all_ok else 1)
