"""Checks that TensorFlow and TensorBoard read a model_dir written by this package.

Usage: python check_tf_compat.py <dir written by ModelDirExternalCheck>  (run with a venv holding
tensorflow-cpu 2.15.1 + tensorflow-estimator 2.15.0; Scripts/check-tf-compat does all of it).
"""
import json
import os
import sys

import numpy as np
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator

base = sys.argv[1]
expected = json.load(open(os.path.join(base, "expected.json")))
model_dir = expected["model_dir"]
failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


latest = tf.train.latest_checkpoint(model_dir)
check(latest == os.path.join(model_dir, expected["latest"]), f"latest_checkpoint -> {latest}")
state = tf.train.get_checkpoint_state(model_dir)
names = [os.path.basename(p) for p in state.all_model_checkpoint_paths]
check(sorted(names) == sorted(expected["checkpoints"]), f"get_checkpoint_state lists {names}")

listed = dict(tf.train.list_variables(model_dir))
want = {n: v["shape"] for n, v in expected["checkpoints"][expected["latest"]].items()}
check({k: list(v) for k, v in listed.items()} == want, f"list_variables -> {listed}")

dtype_names = {"float32": np.float32, "int64": np.int64, "bool": np.bool_}
for ckpt, variables in expected["checkpoints"].items():
    prefix = os.path.join(model_dir, ckpt)
    reader = tf.train.load_checkpoint(prefix)
    for name, spec in variables.items():
        value = np.asarray(reader.get_tensor(name))
        same = (value.dtype == dtype_names[spec["dtype"]] and list(value.shape) == spec["shape"]
                and np.array_equal(value.reshape(-1), np.asarray(spec["flat"], dtype=value.dtype)))
        check(same, f"{ckpt}:{name} {spec['dtype']}{spec['shape']} bit-equal")

clusters = tf.train.load_variable(model_dir, "clusters")
check(np.array_equal(clusters.reshape(-1), np.asarray(expected["checkpoints"][expected["latest"]]["clusters"]["flat"], np.float32)),
      f"load_variable(model_dir, 'clusters') = {clusters.tolist()}")

# v1 Saver.restore into a graph with TF's variable names.
graph = tf.Graph()
with graph.as_default():
    v1vars = []
    for name, spec in expected["checkpoints"][expected["latest"]].items():
        v1vars.append(tf.compat.v1.get_variable(name, shape=spec["shape"], dtype=tf.as_dtype(spec["dtype"]), use_resource=False))
    saver = tf.compat.v1.train.Saver(v1vars)
    with tf.compat.v1.Session() as session:
        saver.restore(session, latest)
        restored = session.run({v.op.name: v for v in v1vars})
check(np.array_equal(restored["clusters"], clusters), "v1 Saver.restore reads clusters")

for run, tags in expected["events"].items():
    directory = os.path.join(model_dir, run)
    files = [f for f in os.listdir(directory) if "tfevents" in f]
    seen = {}
    for f in files:
        for event in tf.compat.v1.train.summary_iterator(os.path.join(directory, f)):
            for value in event.summary.value:
                seen.setdefault(value.tag, []).append([event.step, value.simple_value])
    check(seen == tags, f"summary_iterator {run}: {seen}")
    acc = event_accumulator.EventAccumulator(directory)
    acc.Reload()
    got = {tag: [[e.step, e.value] for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}
    check(got == tags, f"EventAccumulator {run}: tags {sorted(got)}")

export = expected["export"]
exported = tf.train.load_variable(os.path.join(export, "variables", "variables"), "clusters")
check(np.array_equal(exported, clusters), "load_variable(<export>/variables/variables, 'clusters')")
check(np.array_equal(tf.train.load_variable(os.path.join(export, "variables"), "clusters"), clusters),
      "load_variable(<export>/variables, 'clusters')")

# TF's own KMeans Estimator opens the dir and continues training from it (on a copy).
import shutil
import tempfile

copy = os.path.join(tempfile.mkdtemp(), "model")
shutil.copytree(model_dir, copy)
spec = expected["checkpoints"][expected["latest"]]
kmeans = tf.compat.v1.estimator.experimental.KMeans(
    num_clusters=spec["clusters"]["shape"][0], model_dir=copy, use_mini_batch="Variable" in spec,
    mini_batch_steps_per_iteration=3 if "update_in_steps" in spec else 1)
check(np.array_equal(kmeans.cluster_centers(), clusters), "Estimator KMeans cluster_centers() equals ours")
points = np.random.RandomState(0).uniform(0, 10, [30, spec["clusters"]["shape"][1]]).astype(np.float32)
kmeans.train(lambda: tf.compat.v1.train.limit_epochs(tf.convert_to_tensor(points), num_epochs=1), steps=2)
step = int(kmeans.get_variable_value("global_step"))
check(step == int(spec["global_step"]["flat"][0]) + 2, f"Estimator KMeans continued training to global_step {step}")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
