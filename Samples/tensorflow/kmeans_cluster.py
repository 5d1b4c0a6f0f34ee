"""TensorFlow's estimator KMeans as a real multi-process cluster (chief, worker, parameter server).

Each task is its own process with its own TF_CONFIG; all variables land on /job:ps by themselves. Run with
tensorflow-cpu 2.15.1 + tensorflow-estimator 2.15.0. Scripts/check-tf-cluster starts the three tasks on loopback
ports; on a real cluster run the same command on each machine with a model dir on a shared file system
(docs/LIVE.md).

  python kmeans_cluster.py data  --out points.npy [--rows 20000 --dims 4 --clusters 6 --seed 3]
  TF_CONFIG=... python kmeans_cluster.py train --model-dir DIR --data points.npy --clusters 6 --steps 200
  python kmeans_cluster.py evaluate --model-dir DIR --data points.npy --clusters 6 --out tf.json

The parameter server never exits by itself: stop it by its pid once the chief and the worker are done. Give every
task a time limit: a task whose ps died waits for it forever.
"""
import argparse
import json
import os
import sys

import numpy as np


def make_data(args):
    rng = np.random.RandomState(args.seed)
    centers = rng.uniform(-20, 20, [args.clusters, args.dims])
    labels = rng.randint(0, args.clusters, args.rows)
    points = (centers[labels] + rng.normal(0, 2.0, [args.rows, args.dims])).astype(np.float32)
    np.save(args.out, points)


def estimator(args, tf, config=None):
    return tf.compat.v1.estimator.experimental.KMeans(
        num_clusters=args.clusters, model_dir=args.model_dir, use_mini_batch=args.mini_batch,
        mini_batch_steps_per_iteration=args.mini_batch_steps_per_iteration, seed=args.seed,
        initial_clusters=tf.compat.v1.estimator.experimental.KMeans.KMEANS_PLUS_PLUS_INIT, config=config)


def train(args):
    import tensorflow as tf
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.INFO)  # each trainer logs its loss and global_step
    points = np.load(args.data)
    task = json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {})

    def input_fn():
        # Each trainer reads its own shuffled stream of mini-batches (seeded by its task, so runs repeat).
        seed = args.seed + 1000 * (task.get("type") == "worker") + task.get("index", 0)
        dataset = tf.data.Dataset.from_tensor_slices(points).shuffle(len(points), seed=seed).repeat()
        return dataset.batch(args.batch_size if args.mini_batch else len(points))

    config = tf.estimator.RunConfig(save_checkpoints_steps=args.save_checkpoints_steps, save_summary_steps=10,
                                    keep_checkpoint_max=args.keep_checkpoint_max, log_step_count_steps=50)
    kmeans = estimator(args, tf, config)
    tf.estimator.train_and_evaluate(
        kmeans, tf.estimator.TrainSpec(input_fn, max_steps=args.steps),
        tf.estimator.EvalSpec(lambda: tf.data.Dataset.from_tensors(points), steps=1))


def evaluate(args):
    """TF's own evaluate and predict on the whole file as one batch, from the latest checkpoint."""
    import tensorflow as tf
    points = np.load(args.data)
    kmeans = estimator(args, tf)

    def input_fn():
        return tf.compat.v1.train.limit_epochs(tf.convert_to_tensor(points), num_epochs=1)

    metrics = kmeans.evaluate(input_fn, steps=1)
    predictions = list(kmeans.predict(input_fn))
    result = {
        "global_step": int(metrics["global_step"]),
        "score": float(metrics["score"]),
        "loss": float(metrics["loss"]),
        "cluster_centers": kmeans.cluster_centers().tolist(),
        "cluster_index": [int(p["cluster_index"]) for p in predictions],
        "all_distances": [p["all_distances"].tolist() for p in predictions],
    }
    with open(args.out, "w") as file:
        json.dump(result, file)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["data", "train", "evaluate"])
    parser.add_argument("--model-dir")
    parser.add_argument("--data")
    parser.add_argument("--out")
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--dims", type=int, default=4)
    parser.add_argument("--clusters", type=int, default=6)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--mini-batch", type=lambda text: text == "true", default=True)
    parser.add_argument("--mini-batch-steps-per-iteration", type=int, default=1)
    parser.add_argument("--save-checkpoints-steps", type=int, default=50)
    parser.add_argument("--keep-checkpoint-max", type=int, default=5)
    args = parser.parse_args()
    {"data": make_data, "train": train, "evaluate": evaluate}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
