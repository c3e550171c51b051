//===- CalibrationStatsTest.cpp - Reading and writing .lrstats ------------===//
//
// A written file reads back bit for bit, and each malformation of the
// format is rejected with a message naming the file and the layer.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Calibration/CalibrationStats.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace lowrank::calibration;

namespace {

LayerStatistics makeLayer(std::string name, int64_t dim, double scale) {
  LayerStatistics layer;
  layer.name = std::move(name);
  layer.op = "MatMul";
  layer.input = "x";
  layer.dim = dim;
  layer.samples = 10;
  for (int64_t i = 0; i < dim; ++i)
    layer.mean.push_back(scale * (i + 1));
  for (int64_t i = 0; i < dim * dim; ++i)
    layer.gram.push_back(scale * (i % (dim + 1) == 0 ? 3.0 : 0.5));
  return layer;
}

/// A file with the given JSON header and `data` as the data section.
std::string makeFile(const std::string &header,
                     const std::vector<double> &data) {
  std::string bytes("LRSTATS\0", 8);
  bytes.resize(16);
  llvm::support::endian::write64le(bytes.data() + 8, header.size());
  bytes += header;
  for (double value : data) {
    char word[8];
    llvm::support::endian::write64le(word, llvm::bit_cast<uint64_t>(value));
    bytes.append(word, 8);
  }
  return bytes;
}

/// One layer of dim 2: mean at 0 (2 values), gram at 64 (4 values).
std::string oneLayerHeader(const std::string &layerFields,
                           const std::string &top = "") {
  return R"({"format": "lowrank-calibration", "version": 1, "dtype": "float64",)" +
         top + R"( "layers": [{"name": "fc", "op": "MatMul", "input": "x", )" +
         layerFields + "}]}";
}

const char *kGoodFields =
    R"("dim": 2, "samples": 4, "mean": {"offset": 0, "count": 2}, )"
    R"("gram": {"offset": 64, "count": 4})";

std::vector<double> goodData() {
  std::vector<double> data(12, 0.0);
  data[0] = 0.5;
  data[1] = -0.5;
  data[8] = 2;
  data[9] = 1;
  data[10] = 1;
  data[11] = 2;
  return data;
}

std::string readError(const std::string &bytes) {
  auto stats = CalibrationStatistics::readBuffer(bytes, "s.lrstats");
  if (stats)
    return "";
  return llvm::toString(stats.takeError());
}

TEST(CalibrationStats, RoundTripsThroughAFile) {
  CalibrationStatistics stats;
  stats.setModel("model.onnx");
  ASSERT_FALSE(static_cast<bool>(stats.addLayer(makeLayer("q", 3, 1.0))));
  ASSERT_FALSE(static_cast<bool>(stats.addLayer(makeLayer("fc2", 5, -0.25))));

  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("stats", "lrstats", path));
  ASSERT_FALSE(static_cast<bool>(stats.writeFile(path)));
  uint64_t fileSize = 0;
  ASSERT_FALSE(llvm::sys::fs::file_size(path, fileSize));
  EXPECT_EQ(fileSize % 64, 0u);

  auto read = CalibrationStatistics::readFile(path);
  llvm::sys::fs::remove(path);
  ASSERT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
  EXPECT_EQ(read->getModel(), "model.onnx");
  ASSERT_EQ(read->size(), 2u);
  for (const LayerStatistics &expected : stats) {
    const LayerStatistics *actual = read->lookup(expected.name);
    ASSERT_NE(actual, nullptr) << expected.name;
    EXPECT_EQ(actual->op, expected.op);
    EXPECT_EQ(actual->input, expected.input);
    EXPECT_EQ(actual->dim, expected.dim);
    EXPECT_EQ(actual->samples, expected.samples);
    EXPECT_EQ(actual->mean, expected.mean);
    // A file's Gram matrices stay in the mapping until asked for.
    EXPECT_TRUE(actual->gram.empty());
    auto gram = actual->getGram();
    ASSERT_TRUE(static_cast<bool>(gram)) << llvm::toString(gram.takeError());
    EXPECT_EQ(*gram, expected.gram);
  }
  EXPECT_EQ(read->lookup("missing"), nullptr);
  // Statistics read from a file serialize to the same bytes.
  EXPECT_EQ(read->serialize(), stats.serialize());
}

TEST(CalibrationStats, RoundTripsCrossProducts) {
  CalibrationStatistics stats;
  LayerStatistics layer = makeLayer("q", 3, 1.0);
  for (int64_t i = 0; i < 9; ++i)
    layer.cross.push_back(0.25 * i - 1.0);
  ASSERT_FALSE(static_cast<bool>(stats.addLayer(layer)));
  ASSERT_FALSE(static_cast<bool>(stats.addLayer(makeLayer("k", 2, 2.0))));

  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("stats", "lrstats", path));
  ASSERT_FALSE(static_cast<bool>(stats.writeFile(path)));
  auto read = CalibrationStatistics::readFile(path);
  llvm::sys::fs::remove(path);
  ASSERT_TRUE(static_cast<bool>(read)) << llvm::toString(read.takeError());
  const LayerStatistics *q = read->lookup("q");
  ASSERT_NE(q, nullptr);
  ASSERT_TRUE(q->hasCross());
  auto cross = q->getCross();
  ASSERT_TRUE(static_cast<bool>(cross)) << llvm::toString(cross.takeError());
  EXPECT_EQ(*cross, layer.cross);
  EXPECT_FALSE(read->lookup("k")->hasCross());
  EXPECT_EQ(read->serialize(), stats.serialize());

  // Cross products of the wrong size name the layer.
  LayerStatistics bad = makeLayer("v", 3, 1.0);
  bad.cross = {1.0, 2.0};
  llvm::Error err = stats.addLayer(bad);
  ASSERT_TRUE(static_cast<bool>(err));
  EXPECT_NE(llvm::toString(std::move(err)).find("layer 'v': cross has 2"),
            std::string::npos);
}

TEST(CalibrationStats, NonFiniteGramInAFileFailsWhenRead) {
  CalibrationStatistics stats;
  ASSERT_FALSE(static_cast<bool>(stats.addLayer(makeLayer("q", 3, 1.0))));
  std::string bytes = stats.serialize();
  // The data section is the mean (3 values, padded to 64 bytes), then the
  // Gram matrix (9 values at offset 64, padded to 128 bytes): 192 bytes.
  size_t last = bytes.size() - 192 + 64 + 8 * 8;
  double nan = std::nan("");
  std::memcpy(bytes.data() + last, &nan, sizeof(nan));
  auto inMemory = CalibrationStatistics::readBuffer(bytes, "s.lrstats");
  ASSERT_FALSE(static_cast<bool>(inMemory));
  EXPECT_EQ(llvm::toString(inMemory.takeError()),
            "s.lrstats: layer 'q': gram[8] is NaN (statistics must be finite)");

  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("stats", "lrstats", path));
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << bytes;
  }
  auto mapped = CalibrationStatistics::readFile(path);
  llvm::sys::fs::remove(path);
  ASSERT_TRUE(static_cast<bool>(mapped)) << llvm::toString(mapped.takeError());
  auto gram = mapped->lookup("q")->getGram();
  ASSERT_FALSE(static_cast<bool>(gram));
  EXPECT_EQ(llvm::toString(gram.takeError()),
            "layer 'q': gram[8] is NaN (statistics must be finite)");
}

TEST(CalibrationStats, HeaderIsPaddedAndArraysAligned) {
  CalibrationStatistics stats;
  ASSERT_FALSE(static_cast<bool>(stats.addLayer(makeLayer("a", 3, 1.0))));
  std::string bytes = stats.serialize();
  uint64_t header = llvm::support::endian::read64le(bytes.data() + 8);
  EXPECT_EQ((16 + header) % 64, 0u);
  EXPECT_EQ(std::memcmp(bytes.data(), "LRSTATS\0", 8), 0);
  // mean (3 doubles) at 0, gram at the next multiple of 64.
  EXPECT_NE(bytes.find(R"("gram":{"count":9,"offset":64})"), std::string::npos)
      << bytes.substr(16, header);
}

TEST(CalibrationStats, ReadsAHandWrittenFile) {
  auto stats = CalibrationStatistics::readBuffer(
      makeFile(oneLayerHeader(kGoodFields), goodData()), "s.lrstats");
  ASSERT_TRUE(static_cast<bool>(stats)) << llvm::toString(stats.takeError());
  const LayerStatistics *fc = stats->lookup("fc");
  ASSERT_NE(fc, nullptr);
  EXPECT_EQ(fc->samples, 4);
  EXPECT_EQ(fc->mean, (std::vector<double>{0.5, -0.5}));
  EXPECT_EQ(fc->gram, (std::vector<double>{2, 1, 1, 2}));
}

TEST(CalibrationStats, RejectsMalformedFiles) {
  std::vector<double> data = goodData();
  EXPECT_NE(readError("LRSTATX" +
                      makeFile(oneLayerHeader(kGoodFields), data).substr(7))
                .find("s.lrstats: not a calibration statistics file"),
            std::string::npos);
  EXPECT_NE(readError("LRST").find("no LRSTATS magic"), std::string::npos);

  std::string version = oneLayerHeader(kGoodFields);
  version.replace(version.find("\"version\": 1"), 12, "\"version\": 2");
  EXPECT_NE(readError(makeFile(version, data)).find("unsupported version 2"),
            std::string::npos);

  std::string dtype = oneLayerHeader(kGoodFields);
  dtype.replace(dtype.find("float64"), 7, "float32");
  EXPECT_NE(
      readError(makeFile(dtype, data)).find("unsupported dtype 'float32'"),
      std::string::npos);

  EXPECT_NE(readError(makeFile("{\"format\": ", data))
                .find("s.lrstats: malformed JSON header"),
            std::string::npos);

  std::string huge = makeFile(oneLayerHeader(kGoodFields), data);
  llvm::support::endian::write64le(huge.data() + 8, 1 << 20);
  EXPECT_NE(readError(huge).find("exceeds the file size"), std::string::npos);
}

TEST(CalibrationStats, RejectsBadLayersNamingThem) {
  std::vector<double> data = goodData();
  auto withFields = [&](const std::string &fields) {
    return readError(makeFile(oneLayerHeader(fields), data));
  };
  EXPECT_NE(
      withFields(
          R"("dim": 2, "samples": 4, "mean": {"offset": 0, "count": 2}, "gram": {"offset": 64, "count": 3})")
          .find("layer 'fc': 'gram' count is 3, expected 4"),
      std::string::npos);
  EXPECT_NE(
      withFields(
          R"("dim": 2, "samples": 0, "mean": {"offset": 0, "count": 2}, "gram": {"offset": 64, "count": 4})")
          .find("layer 'fc': samples must be positive"),
      std::string::npos);
  EXPECT_NE(
      withFields(
          R"("dim": 2, "samples": 4, "mean": {"offset": 0, "count": 2}, "gram": {"offset": 96, "count": 4})")
          .find("layer 'fc': 'gram' (offset 96, 32 bytes) lies outside"),
      std::string::npos);
  EXPECT_NE(
      withFields(
          R"("dim": 2, "samples": 4, "mean": {"offset": -8, "count": 2}, "gram": {"offset": 64, "count": 4})")
          .find("lies outside"),
      std::string::npos);
  EXPECT_NE(
      withFields(
          R"("samples": 4, "mean": {"offset": 0, "count": 2}, "gram": {"offset": 64, "count": 4})")
          .find("layer 'fc': missing integer field 'dim'"),
      std::string::npos);

  data[10] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(readError(makeFile(oneLayerHeader(kGoodFields), data))
                .find("s.lrstats: layer 'fc': gram[2] is NaN"),
            std::string::npos);
  data[10] = std::numeric_limits<double>::infinity();
  EXPECT_NE(readError(makeFile(oneLayerHeader(kGoodFields), data))
                .find("layer 'fc': gram[2] is +Inf"),
            std::string::npos);
}

TEST(CalibrationStats, RejectsDuplicateLayers) {
  CalibrationStatistics stats;
  ASSERT_FALSE(static_cast<bool>(stats.addLayer(makeLayer("a", 2, 1.0))));
  llvm::Error err = stats.addLayer(makeLayer("a", 2, 1.0));
  ASSERT_TRUE(static_cast<bool>(err));
  EXPECT_EQ(llvm::toString(std::move(err)), "layer 'a' appears twice");
}

} // namespace
