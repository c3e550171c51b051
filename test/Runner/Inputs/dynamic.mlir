func.func @main_graph(%x: tensor<?xf32> {onnx.name = "x"}) -> tensor<?xf32> {
  return %x : tensor<?xf32>
}
