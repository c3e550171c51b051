#!/usr/bin/env python3
"""A four-layer ReLU MLP of width 64 (weights with decaying spectra, an
8-wide head) and inputs with decaying variances: 48 calibration inputs and
48 held-out ones of 64 rows each, for sequential-calibration.test.
Usage: make_sequential_mlp.py OUT"""

import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper
out=sys.argv[1]; os.makedirs(out+'/calib',exist_ok=True); os.makedirs(out+'/held',exist_ok=True)
rng=np.random.default_rng(0)
d=64; L=4
def weight():
    u,_=np.linalg.qr(rng.standard_normal((d,d))); v,_=np.linalg.qr(rng.standard_normal((d,d)))
    s=np.arange(1,d+1)**-0.7*3
    return (u*s)@v.T
nodes=[]; inits=[]; x='x'
for i in range(L):
    w=f'w{i}'; inits.append(numpy_helper.from_array(weight().astype(np.float32),w))
    nodes.append(helper.make_node('MatMul',[x,w],[f'h{i}'],name=f'fc{i}'))
    nodes.append(helper.make_node('Relu' if i<L-1 else 'Identity',[f'h{i}'],[f'a{i}'],name=f'act{i}'))
    x=f'a{i}'
inits.append(numpy_helper.from_array(rng.standard_normal((d,8)).astype(np.float32),'head_w'))
nodes.append(helper.make_node('MatMul',[x,'head_w'],['y'],name='head'))
g=helper.make_graph(nodes,'mlp',[helper.make_tensor_value_info('x',1,["n",d])],[helper.make_tensor_value_info('y',1,["n",8])],inits)
m=helper.make_model(g,opset_imports=[helper.make_opsetid('',17)]); m.ir_version=8
onnx.save(m,out+'/mlp.onnx')
mix=rng.standard_normal((d,d))*(np.arange(1,d+1)**-1.0)[:,None]
for i in range(48):
    np.save(f'{out}/calib/x{i:02d}.npy',(rng.standard_normal((64,d))@mix).astype(np.float32))
    np.save(f'{out}/held/x{i:02d}.npy',(rng.standard_normal((64,d))@mix).astype(np.float32))
