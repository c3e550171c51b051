//===- CalibrationStats.h - Input statistics of the linear layers -*- C++
//-*-===//
//
// The statistics of each linear layer's activation input over a calibration
// set (the Gram matrix sum x x^T in float64, the sample count and the mean),
// read from and written to the versioned `.lrstats` file described in
// docs/CalibrationFormat.md. One capture serves many compression runs.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_CALIBRATION_CALIBRATIONSTATS_H
#define LOWRANK_CALIBRATION_CALIBRATIONSTATS_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lowrank::calibration {

/// The `.lrstats` format version this reader and writer implement.
constexpr int64_t kCalibrationFormatVersion = 1;

/// The statistics of one linear layer's input: N samples x of dimension K.
struct LayerStatistics {
  /// The ONNX node name of the linear op.
  std::string name;
  /// MatMul, Gemm or Conv.
  std::string op;
  /// The ONNX tensor name of the layer's activation input.
  std::string input;
  /// K = d_in.
  int64_t dim = 0;
  /// N > 0.
  int64_t samples = 0;
  /// (1/N) sum x, K values.
  std::vector<double> mean;
  /// sum x x^T (not divided by N), K x K row-major. Empty for statistics
  /// read by CalibrationStatistics::readFile: a model's Gram matrices can
  /// be many times the memory, so they stay in the mapped file (`gramBytes`)
  /// until getGram reads one.
  std::vector<double> gram;
  /// The Gram matrix's K*K little-endian float64 values in a mapped file;
  /// empty when `gram` holds them.
  llvm::StringRef gramBytes;

  /// Optional, from sequential calibration: sum x~ x^T, K x K row-major,
  /// where x~ is the layer's input in the model whose earlier layers are
  /// compressed (the input `gram` and `mean` then describe) and x its input
  /// in the original model. Like `gram`, in memory or in the mapped file
  /// (`crossBytes`); both empty without it.
  std::vector<double> cross;
  llvm::StringRef crossBytes;

  /// The Gram matrix: `gram`, or the values decoded from `gramBytes`, whose
  /// pages are then dropped from memory. Fails, naming the layer, on a
  /// value that is NaN or infinite.
  llvm::Expected<std::vector<double>> getGram() const;
  /// Whether the statistics have the cross products of sequential
  /// calibration.
  bool hasCross() const { return !cross.empty() || !crossBytes.empty(); }
  /// The cross products, like getGram.
  llvm::Expected<std::vector<double>> getCross() const;

  /// Fails when the sizes disagree with `dim`, `samples` is not positive or
  /// a value in memory is NaN or infinite; the message names the layer.
  llvm::Error verify() const;
};

/// The statistics of a model's linear layers, keyed by layer name.
class CalibrationStatistics {
public:
  /// Reads a `.lrstats` file (memory-mapped; the Gram matrices are decoded
  /// when getGram asks for them). Errors name the file and, where relevant,
  /// the layer.
  static llvm::Expected<CalibrationStatistics> readFile(llvm::StringRef path);
  /// Parses `.lrstats` bytes into memory; `path` only names them in errors.
  static llvm::Expected<CalibrationStatistics> readBuffer(llvm::StringRef bytes,
                                                          llvm::StringRef path);

  /// Writes the statistics atomically (a temporary file renamed into place).
  llvm::Error writeFile(llvm::StringRef path) const;
  /// The file's bytes.
  std::string serialize() const;

  /// Adds a layer; fails when it does not verify or its name is taken.
  llvm::Error addLayer(LayerStatistics layer);

  /// The statistics of `layerName`, null when the file has none.
  const LayerStatistics *lookup(llvm::StringRef layerName) const;

  /// The informational model name.
  llvm::StringRef getModel() const { return model; }
  void setModel(llvm::StringRef name) { model = name.str(); }

  size_t size() const { return layers.size(); }
  bool empty() const { return layers.empty(); }
  std::vector<LayerStatistics>::const_iterator begin() const {
    return layers.begin();
  }
  std::vector<LayerStatistics>::const_iterator end() const {
    return layers.end();
  }

private:
  static llvm::Expected<CalibrationStatistics>
  parse(llvm::StringRef bytes, llvm::StringRef path, bool keepGramsInFile);

  /// The mapped file that `gramBytes` point into (shared by copies).
  std::shared_ptr<const void> mappedFile;
  std::string model;
  std::vector<LayerStatistics> layers;
  llvm::StringMap<size_t> indexByName;
};

} // namespace lowrank::calibration

#endif // LOWRANK_CALIBRATION_CALIBRATIONSTATS_H
