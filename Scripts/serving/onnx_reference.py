"""Writes reference ONNX files with onnx.helper for the graphs ONNXScorer builds (golden bytes for the tests).
usage: onnx_reference.py OUT_DIR   (needs the onnx package; run by hand, the outputs are committed)"""
import os, sys
import numpy as np
import onnx
from onnx import helper, TensorProto

CENTERS = np.array([[0.5, -1.0], [2.0, 3.25], [-4.0, 0.125]], np.float32)

def model(metric):
    k, d = CENTERS.shape
    inits = [helper.make_tensor("centers", TensorProto.FLOAT, [k, d], CENTERS.tobytes(), raw=True)]
    nodes = [helper.make_node("ReduceSumSquare", ["X"], ["x_sq_sum"], name="x_sq_sum", axes=[1], keepdims=1)]
    if metric == "squared_euclidean":
        nodes += [
            helper.make_node("ReduceSumSquare", ["centers"], ["c_sq_sum"], name="c_sq_sum", axes=[1], keepdims=0),
            helper.make_node("Gemm", ["X", "centers", "c_sq_sum"], ["neg_two_x_dot_c_plus_c_sq"], name="gemm", alpha=-2.0, beta=1.0, transB=1),
            helper.make_node("Add", ["x_sq_sum", "neg_two_x_dot_c_plus_c_sq"], ["all_distances"], name="all_distances"),
            helper.make_node("Relu", ["all_distances"], ["clamped"], name="clamped"),
            helper.make_node("Sqrt", ["clamped"], ["scores"], name="scores"),
        ]
    else:
        inits += [helper.make_tensor("eps", TensorProto.FLOAT, [], np.float32([1e-12]).tobytes(), raw=True),
                  helper.make_tensor("one", TensorProto.FLOAT, [1], np.float32([1]).tobytes(), raw=True)]
        nodes += [
            helper.make_node("Max", ["x_sq_sum", "eps"], ["x_sq_sum_max"], name="x_sq_sum_max"),
            helper.make_node("Sqrt", ["x_sq_sum_max"], ["x_norm"], name="x_norm"),
            helper.make_node("Div", ["X", "x_norm"], ["x_normalized"], name="x_normalized"),
            helper.make_node("Gemm", ["x_normalized", "centers", "one"], ["all_distances"], name="gemm", alpha=-1.0, beta=1.0, transB=1),
            helper.make_node("Identity", ["all_distances"], ["scores"], name="scores"),
        ]
    nodes.append(helper.make_node("ArgMin", ["all_distances"], ["label"], name="label", axis=1, keepdims=0))
    graph = helper.make_graph(
        nodes, "kmeans_" + metric, [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", d])],
        [helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]),
         helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", k]),
         helper.make_tensor_value_info("all_distances", TensorProto.FLOAT, ["N", k])], initializer=inits)
    m = helper.make_model(graph, producer_name="kmeans-swift", opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.checker.check_model(m, full_check=True)
    return m

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for metric in ["squared_euclidean", "cosine"]:
    path = os.path.join(out, f"kmeans_{metric}.onnx")
    with open(path, "wb") as f:
        f.write(model(metric).SerializeToString())
    print(path, os.path.getsize(path), "bytes, onnx", onnx.__version__, "checker OK")
