"""Checks the outputs of Scripts/check-tf-cluster (run by it): what `kmeans inspect --follow` saw while the TF
cluster trained, with the follow latency; `kmeans evaluate` / `predict` against TF's; `kmeans train` continuing."""
import json
import os
import statistics
import sys

import numpy as np

work = sys.argv[1]
failures = []


def check(condition, message):
    print(("ok    " if condition else "FAIL  ") + message)
    if not condition:
        failures.append(message)


def load(name):
    with open(os.path.join(work, name)) as file:
        return json.load(file)


# What the follower saw while the cluster trained.
with open(os.path.join(work, "follow.jsonl")) as file:
    lines = [json.loads(line) for line in file if line.strip()]
kinds = [line["event"] for line in lines]
check(kinds[:2] == ["watching", "waiting"], f"follower started first and waited for the model dir ({lines[0].get('detail')})")
check("problem" not in kinds, f"no problem reported: {[l for l in lines if l['event'] == 'problem']}")
checkpoints = [line for line in lines if line["event"] == "checkpoint"]
steps = [line["step"] for line in checkpoints]
check(len(steps) >= 3 and steps == sorted(steps) and len(set(steps)) == len(steps), f"checkpoints seen in order: {steps}")
# The chief names a checkpoint after the global_step it read; the other trainer may step once more before the save.
ahead = [line["global_step"] - line["step"] for line in checkpoints]
check(all(0 <= gap <= 1 for gap in ahead), f"each checkpoint holds the step its name says, or one more (the other trainer): {ahead}")
check(all(line["initialized"] is not False for line in checkpoints if line["step"] > 0), "checkpoints after step 0 are initialized")
latest = [line for line in checkpoints if line["latest"]]
latency = [line["seen_at"] - line["written_at"] for line in latest if line["written_at"] is not None]
if latency:
    print(f"      follow latency (state file written → line printed), {len(latency)} checkpoints: "
          f"median {statistics.median(latency) * 1000:.1f} ms, max {max(latency) * 1000:.1f} ms")
check(bool(latency) and max(latency) < 1.0, "every new latest checkpoint printed within 1 s of its state file")
losses = [line for line in lines if line["event"] == "scalar" and line["tag"] == "loss"]
lag = [line["seen_at"] - line["wall_time"] for line in losses]
tags = sorted({line["tag"] for line in lines if line["event"] == "scalar"})
print(f"      event scalars seen: {tags}; {len(losses)} loss points"
      + (f", lag behind their wall_time median {statistics.median(lag):.2f} s (TF buffers events)" if lag else ""))
check(len(losses) > 0, "the loss curve was followed from TF's event files")

# Both trainers trained (the worker waits ~5 s before its first step, so a short run may leave it idle).
import re
for role in ["chief", "worker"]:
    with open(os.path.join(work, f"{role}.log")) as file:
        logged = [int(m.group(1)) for m in re.finditer(r"loss = [^,]+, step = (\d+)", file.read())]
    check(bool(logged), f"the {role} trained: its log shows steps {logged[:3]}{'…' if len(logged) > 3 else ''}")

# kmeans evaluate / predict equal TF's own.
tf = load("tf.json")
ours = load("evaluate.json")
check(ours["global_step"] == tf["global_step"] and tf["global_step"] > 0, f"same checkpoint: global_step {ours['global_step']} / TF {tf['global_step']}")
check(abs(ours["score"] - tf["score"]) <= 1e-5 * abs(tf["score"]), f"evaluate score {ours['score']} = TF {tf['score']}")
check(abs(ours["loss"] - tf["loss"]) <= 1e-5 * abs(tf["loss"]), f"evaluate loss {ours['loss']} = TF {tf['loss']}")
with open(os.path.join(work, "predict.jsonl")) as file:
    predicted = [json.loads(line) for line in file if line.strip()]
index = [row["cluster_index"] for row in predicted]
check(index == tf["cluster_index"], f"predict cluster_index equals TF's on all {len(index)} rows")
distances, tf_distances = np.array([row["all_distances"] for row in predicted]), np.array(tf["all_distances"])
scale = max(1.0, float(np.abs(tf_distances).max()))
worst = float(np.abs(distances - tf_distances).max())
check(worst <= 1e-5 * scale, f"predict all_distances equal TF's to {worst:.3g} (largest distance {scale:.3g})")

# kmeans train continues the run; TF reads the continuation.
trained = load("train.json")
continued = load("tf-continued.json")
mine = load("evaluate-continued.json")
check(trained["global_step"] == tf["global_step"] + 20, f"kmeans train continued {tf['global_step']} → {trained['global_step']}")
check(continued["global_step"] == trained["global_step"], f"TF's estimator opens the continued dir at step {continued['global_step']}")
check(abs(mine["score"] - continued["score"]) <= 1e-5 * abs(continued["score"]), f"after continuing, score {mine['score']} = TF {continued['score']}")
check(np.array_equal(np.array(trained["cluster_centers"], np.float32), np.array(continued["cluster_centers"], np.float32)),
      "TF reads back exactly the centres kmeans train wrote")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
