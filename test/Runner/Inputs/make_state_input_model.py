#!/usr/bin/env python3
"""A model whose LSTM starts from states given as graph inputs, inside an If
(as openWakeWord's Silero VAD): the state buffers are updated at every
step. With its inputs and ONNX Runtime's outputs, for
test/Runner/read-only-inputs.test. Usage: make_state_input_model.py OUT"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, TensorProto, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng=np.random.default_rng(1)
H=8; I=8
W=rng.standard_normal((1,4*H,I)).astype(np.float32)*0.3
R=rng.standard_normal((1,4*H,H)).astype(np.float32)*0.3
B=rng.standard_normal((1,8*H)).astype(np.float32)*0.3
c=lambda n,v: numpy_helper.from_array(np.array(v,np.int64),n)
tb=helper.make_graph([
 helper.make_node("Slice",["h","z","o","z"],["h1"]),
 helper.make_node("Slice",["cc","z","o","z"],["c1"]),
 helper.make_node("LSTM",["x","W","R","B","","h1","c1"],["y","yh","yc"],hidden_size=H),
 helper.make_node("Squeeze",["y","o"],["ys"]),
],"t",[],[helper.make_tensor_value_info("ys",TensorProto.FLOAT,["t","b",H]),helper.make_tensor_value_info("yh",TensorProto.FLOAT,[1,"b",H])],
 [numpy_helper.from_array(W,"W"),numpy_helper.from_array(R,"R"),numpy_helper.from_array(B,"B"),c("z",[0]),c("o",[1])])
eb=helper.make_graph([helper.make_node("Identity",["x"],["xe"]),helper.make_node("Slice",["h","z2","o2","z2"],["he"])],"e",[],
 [helper.make_tensor_value_info("xe",TensorProto.FLOAT,["t","b",H]),helper.make_tensor_value_info("he",TensorProto.FLOAT,[1,"b",H])],[c("z2",[0]),c("o2",[1])])
g=helper.make_graph([helper.make_node("Equal",["sr","k"],["cond"]),helper.make_node("If",["cond"],["Y","YH"],then_branch=tb,else_branch=eb)],"g",
 [helper.make_tensor_value_info("x",TensorProto.FLOAT,["t","b",I]),helper.make_tensor_value_info("sr",TensorProto.INT64,[]),
  helper.make_tensor_value_info("h",TensorProto.FLOAT,[2,"b",H]),helper.make_tensor_value_info("cc",TensorProto.FLOAT,[2,"b",H])],
 [helper.make_tensor_value_info("Y",TensorProto.FLOAT,["t","b",H]),helper.make_tensor_value_info("YH",TensorProto.FLOAT,[1,"b",H])],[c("k",16000)])
m=helper.make_model(g,opset_imports=[helper.make_opsetid("",17)]); onnx.save(m, os.path.join(out, "state.onnx"))
f={"x":rng.standard_normal((5,3,I)).astype(np.float32),"sr":np.array(16000,np.int64),"h":rng.standard_normal((2,3,H)).astype(np.float32),"cc":rng.standard_normal((2,3,H)).astype(np.float32)}
r=ort.InferenceSession(os.path.join(out, "state.onnx")).run(None,f)
for i,(k,v) in enumerate(f.items()): np.save(os.path.join(out, f"input_{i}.npy"),v)
for i,v in enumerate(r): np.save(os.path.join(out, f"expected_{i}.npy"),v)
