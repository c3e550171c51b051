// Rank rules that read the singular spectra. The layers are generated with
// known spectra: 'fast' s_i = 2^-i, 'slow' s_i = (i+1)^-0.25 (32 x 32,
// parity 16).
// RUN: %python %S/Inputs/make_spectral_layers.py > %t.mlir
// RUN: lowrank-opt %t.mlir --lowrank-select-ranks="energy=0.9 multiple=1" | FileCheck %s --check-prefix=ENERGY
// RUN: lowrank-opt %t.mlir --lowrank-select-ranks="max-error=0.1 multiple=1" | FileCheck %s --check-prefix=ERROR
// RUN: lowrank-opt %t.mlir --lowrank-select-ranks="param-ratio=0.5 multiple=2" | FileCheck %s --check-prefix=BUDGET
// RUN: lowrank-opt %t.mlir --lowrank-select-ranks="param-ratio=0.5 multiple=2" --lowrank-factorize | FileCheck %s --check-prefix=REPORT

// Energy 0.9: 'fast' keeps 15/16 of its energy at rank 2.
// ENERGY: name = "fast", parity = 16 : i64, rank = 2 : i64}
// ENERGY: name = "slow", parity = 16 : i64, rank = 0 : i64, reason = "rank 27 is not below parity 16"}

// Relative error <= 0.1: 'fast' has error 2^-r, so rank 4.
// ERROR: error = 0.062{{[0-9]*}} : f64, name = "fast", parity = 16 : i64, rank = 4 : i64}

// Half the parameters (1024 of 2048) go where the error drops most: the
// slow spectrum gets almost all of them.
// BUDGET: name = "fast", parity = 16 : i64, rank = [[FAST:[0-9]]] : i64}
// BUDGET: name = "slow", parity = 16 : i64, rank = 1{{[0-9]}} : i64}

// The report attached by lowrank-factorize gives the measured error.
// REPORT: module attributes {lowrank.report = [{action = "factor", {{.*}}name = "fast", op = "onnx.MatMul", params_after = {{[0-9]+}} : i64, params_before = 1024 : i64, parity_rank = 16 : i64, rank = {{[0-9]}} : i64, relative_error = {{.*}}}, {action = "factor", {{.*}}name = "slow"
