//===- CalibrationStats.cpp - Reading and writing .lrstats files ----------===//
//
// Layout (docs/CalibrationFormat.md): the magic "LRSTATS\0", a uint64 header
// size H, a JSON header padded with spaces to a multiple of 64 bytes, then
// float64 arrays at 64-byte aligned offsets from the end of the header.
//
//===----------------------------------------------------------------------===//

#include "lowrank/Calibration/CalibrationStats.h"
#include "lowrank/Support/InputFiles.h"
#include "lowrank/Support/MappedWeights.h"
#include "lowrank/Support/TemporaryFiles.h"

#include "llvm/ADT/bit.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>

using namespace llvm;

namespace lowrank::calibration {

static constexpr char kMagic[8] = {'L', 'R', 'S', 'T', 'A', 'T', 'S', '\0'};
static constexpr uint64_t kPrefixBytes = 16;
static constexpr uint64_t kAlignment = 64;

static Error makeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

/// The error of a value that is NaN or infinite.
static Error makeNonFiniteError(StringRef layer, StringRef array, size_t index,
                                double value) {
  return makeError("layer '" + layer + "': " + array + "[" + Twine(index) +
                   "] is " +
                   (std::isnan(value) ? "NaN"
                    : value > 0       ? "+Inf"
                                      : "-Inf") +
                   " (statistics must be finite)");
}

Error LayerStatistics::verify() const {
  if (dim <= 0)
    return makeError("layer '" + name + "': dim must be positive, got " +
                     Twine(dim));
  if (samples <= 0)
    return makeError("layer '" + name + "': samples must be positive, got " +
                     Twine(samples));
  if (static_cast<int64_t>(mean.size()) != dim)
    return makeError("layer '" + name + "': mean has " + Twine(mean.size()) +
                     " values, expected dim = " + Twine(dim));
  uint64_t gramCount =
      gramBytes.empty() ? gram.size() : gramBytes.size() / sizeof(double);
  if (static_cast<int64_t>(gramCount) != dim * dim)
    return makeError("layer '" + name + "': gram has " + Twine(gramCount) +
                     " values, expected dim^2 = " + Twine(dim * dim));
  uint64_t crossCount =
      crossBytes.empty() ? cross.size() : crossBytes.size() / sizeof(double);
  if (hasCross() && static_cast<int64_t>(crossCount) != dim * dim)
    return makeError("layer '" + name + "': cross has " + Twine(crossCount) +
                     " values, expected dim^2 = " + Twine(dim * dim));
  for (auto [array, values] :
       {std::pair<StringRef, const std::vector<double> *>{"mean", &mean},
        {"gram", &gram},
        {"cross", &cross}})
    for (size_t i = 0; i < values->size(); ++i)
      if (!std::isfinite((*values)[i]))
        return makeNonFiniteError(name, array, i, (*values)[i]);
  return Error::success();
}

/// The float64 values of a mapped array, checked finite; the file's pages
/// are dropped from memory once decoded.
static Expected<std::vector<double>>
decodeMappedArray(StringRef bytes, StringRef layer, StringRef array) {
  std::vector<double> values(bytes.size() / sizeof(double));
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = llvm::bit_cast<double>(
        support::endian::read64le(bytes.data() + i * sizeof(double)));
    if (!std::isfinite(values[i]))
      return makeNonFiniteError(layer, array, i, values[i]);
  }
  releaseMappedPages(bytes.data(), bytes.size());
  return values;
}

Expected<std::vector<double>> LayerStatistics::getGram() const {
  if (gramBytes.empty())
    return gram;
  return decodeMappedArray(gramBytes, name, "gram");
}

Expected<std::vector<double>> LayerStatistics::getCross() const {
  if (crossBytes.empty())
    return cross;
  return decodeMappedArray(crossBytes, name, "cross");
}

Error CalibrationStatistics::addLayer(LayerStatistics layer) {
  if (layer.name.empty())
    return makeError("a layer has an empty name");
  if (Error err = layer.verify())
    return err;
  if (!indexByName.try_emplace(layer.name, layers.size()).second)
    return makeError("layer '" + layer.name + "' appears twice");
  layers.push_back(std::move(layer));
  return Error::success();
}

const LayerStatistics *
CalibrationStatistics::lookup(StringRef layerName) const {
  auto it = indexByName.find(layerName);
  return it == indexByName.end() ? nullptr : &layers[it->second];
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

namespace {
/// How deep a header may nest arrays and objects.
constexpr size_t kMaxHeaderDepth = 64;

/// The offset of the first bracket of `text` nested deeper than `limit`
/// (brackets inside strings do not count), if any.
static std::optional<size_t> findDeepNesting(StringRef text, size_t limit) {
  size_t depth = 0;
  bool inString = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"')
      inString = true;
    else if (c == '[' || c == '{') {
      if (++depth > limit)
        return i;
    } else if ((c == ']' || c == '}') && depth > 0)
      --depth;
  }
  return std::nullopt;
}

/// Parses one layer entry of the header; `data` is the data section.
class LayerParser {
public:
  LayerParser(const json::Object &entry, size_t index, StringRef data,
              bool keepGramInFile)
      : entry(entry), index(index), data(data), keepGramInFile(keepGramInFile) {
  }

  Expected<LayerStatistics> parse();

private:
  Error fail(const Twine &message) const {
    return makeError(where() + ": " + message);
  }
  std::string where() const {
    return layer.name.empty() ? "layer #" + std::to_string(index)
                              : "layer '" + layer.name + "'";
  }
  Expected<std::string> getString(StringRef key) const;
  Expected<int64_t> getInteger(StringRef key) const;
  /// The bytes of array `key` in the data section, checked against its
  /// expected count and the section's bounds.
  Expected<StringRef> findArray(StringRef key, int64_t expectedCount) const;
  Error readArray(StringRef key, int64_t expectedCount,
                  std::vector<double> &values) const;

  const json::Object &entry;
  size_t index;
  StringRef data;
  bool keepGramInFile;
  LayerStatistics layer;
};
} // namespace

Expected<std::string> LayerParser::getString(StringRef key) const {
  std::optional<StringRef> value = entry.getString(key);
  if (!value)
    return fail("missing string field '" + key + "'");
  return value->str();
}

Expected<int64_t> LayerParser::getInteger(StringRef key) const {
  std::optional<int64_t> value = entry.getInteger(key);
  if (!value)
    return fail("missing integer field '" + key + "'");
  return *value;
}

Expected<StringRef> LayerParser::findArray(StringRef key,
                                           int64_t expectedCount) const {
  const json::Object *array = entry.getObject(key);
  if (!array)
    return fail("missing object field '" + key + "' {offset, count}");
  std::optional<int64_t> offset = array->getInteger("offset");
  std::optional<int64_t> count = array->getInteger("count");
  if (!offset || !count)
    return fail("'" + key + "' needs integer 'offset' and 'count'");
  if (*count != expectedCount)
    return fail("'" + key + "' count is " + Twine(*count) + ", expected " +
                Twine(expectedCount));
  uint64_t bytes = static_cast<uint64_t>(*count) * sizeof(double);
  if (*offset < 0 || static_cast<uint64_t>(*offset) > data.size() ||
      bytes > data.size() - static_cast<uint64_t>(*offset))
    return fail("'" + key + "' (offset " + Twine(*offset) + ", " +
                Twine(bytes) + " bytes) lies outside the data section of " +
                Twine(data.size()) + " bytes");
  return data.substr(*offset, bytes);
}

Error LayerParser::readArray(StringRef key, int64_t expectedCount,
                             std::vector<double> &values) const {
  Expected<StringRef> bytes = findArray(key, expectedCount);
  if (!bytes)
    return bytes.takeError();
  values.resize(expectedCount);
  for (int64_t i = 0; i < expectedCount; ++i)
    values[i] = llvm::bit_cast<double>(
        support::endian::read64le(bytes->data() + i * sizeof(double)));
  return Error::success();
}

Expected<LayerStatistics> LayerParser::parse() {
  Expected<std::string> name = getString("name");
  if (!name)
    return name.takeError();
  layer.name = *name;
  if (layer.name.empty())
    return fail("empty 'name'");
  Expected<std::string> op = getString("op");
  if (!op)
    return op.takeError();
  layer.op = *op;
  if (layer.op != "MatMul" && layer.op != "Gemm" && layer.op != "Conv")
    return fail("op '" + layer.op + "' is not MatMul, Gemm or Conv");
  Expected<std::string> input = getString("input");
  if (!input)
    return input.takeError();
  layer.input = *input;
  Expected<int64_t> dim = getInteger("dim");
  if (!dim)
    return dim.takeError();
  // Bounds the K*K below; no linear layer is wider.
  if (*dim <= 0 || *dim > (int64_t(1) << 24))
    return fail("dim " + Twine(*dim) + " is out of range");
  layer.dim = *dim;
  Expected<int64_t> samples = getInteger("samples");
  if (!samples)
    return samples.takeError();
  if (*samples <= 0)
    return fail("samples must be positive, got " + Twine(*samples));
  layer.samples = *samples;
  if (Error err = readArray("mean", layer.dim, layer.mean))
    return std::move(err);
  if (keepGramInFile) {
    Expected<StringRef> gram = findArray("gram", layer.dim * layer.dim);
    if (!gram)
      return gram.takeError();
    // An empty layer.gramBytes would mean "in memory"; dim > 0 excludes it.
    layer.gramBytes = *gram;
  } else if (Error err = readArray("gram", layer.dim * layer.dim, layer.gram)) {
    return std::move(err);
  }
  if (entry.get("cross")) {
    if (keepGramInFile) {
      Expected<StringRef> cross = findArray("cross", layer.dim * layer.dim);
      if (!cross)
        return cross.takeError();
      layer.crossBytes = *cross;
    } else if (Error err =
                   readArray("cross", layer.dim * layer.dim, layer.cross)) {
      return std::move(err);
    }
  }
  if (Error err = layer.verify())
    return std::move(err);
  return std::move(layer);
}

Expected<CalibrationStatistics>
CalibrationStatistics::readBuffer(StringRef bytes, StringRef path) {
  return parse(bytes, path, /*keepGramsInFile=*/false);
}

Expected<CalibrationStatistics>
CalibrationStatistics::parse(StringRef bytes, StringRef path,
                             bool keepGramsInFile) {
  auto fail = [&](const Twine &message) {
    return makeError(path + ": " + message);
  };
  if (bytes.size() < kPrefixBytes ||
      std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0)
    return fail("not a calibration statistics file (no LRSTATS magic)");
  uint64_t headerBytes = support::endian::read64le(bytes.data() + 8);
  if (headerBytes > bytes.size() - kPrefixBytes)
    return fail("the header size " + Twine(headerBytes) +
                " exceeds the file size " + Twine(bytes.size()));
  StringRef headerText = bytes.substr(kPrefixBytes, headerBytes);
  StringRef data = bytes.drop_front(kPrefixBytes + headerBytes);

  // llvm::json::parse recurses once per nesting level: a header nested a
  // million deep would overflow the stack. The format nests four deep.
  if (std::optional<size_t> at = findDeepNesting(headerText, kMaxHeaderDepth))
    return fail("the JSON header nests deeper than " + Twine(kMaxHeaderDepth) +
                " levels (at byte " + Twine(*at) + ")");
  Expected<json::Value> header = json::parse(headerText);
  if (!header)
    return fail("malformed JSON header: " + toString(header.takeError()));
  const json::Object *root = header->getAsObject();
  if (!root)
    return fail("the JSON header is not an object");
  if (root->getString("format") != StringRef("lowrank-calibration"))
    return fail("the header's format is not \"lowrank-calibration\"");
  std::optional<int64_t> version = root->getInteger("version");
  if (!version)
    return fail("the header has no integer 'version'");
  if (*version != kCalibrationFormatVersion)
    return fail("unsupported version " + Twine(*version) + " (this reader " +
                "supports version " + Twine(kCalibrationFormatVersion) + ")");
  std::optional<StringRef> dtype = root->getString("dtype");
  if (!dtype || *dtype != "float64")
    return fail("unsupported dtype '" + dtype.value_or("<missing>") +
                "' (expected float64)");
  const json::Array *entries = root->getArray("layers");
  if (!entries)
    return fail("the header has no 'layers' array");

  CalibrationStatistics stats;
  stats.model = root->getString("model").value_or("").str();
  for (auto [i, value] : llvm::enumerate(*entries)) {
    const json::Object *entry = value.getAsObject();
    if (!entry)
      return fail("layer #" + Twine(i) + " is not an object");
    Expected<LayerStatistics> layer =
        LayerParser(*entry, i, data, keepGramsInFile).parse();
    if (!layer)
      return fail(toString(layer.takeError()));
    if (Error err = stats.addLayer(std::move(*layer)))
      return fail(toString(std::move(err)));
  }
  return std::move(stats);
}

namespace {
/// Keeps a mapped statistics file alive while layers point into it, and
/// registered so that their pages can be dropped once read.
struct MappedStatisticsFile {
  explicit MappedStatisticsFile(std::unique_ptr<MemoryBuffer> buffer)
      : buffer(std::move(buffer)) {
    registerMappedWeight(this->buffer->getBufferStart(),
                         this->buffer->getBufferSize());
  }
  ~MappedStatisticsFile() { unregisterMappedWeight(buffer->getBufferStart()); }
  std::unique_ptr<MemoryBuffer> buffer;
};
} // namespace

Expected<CalibrationStatistics>
CalibrationStatistics::readFile(StringRef path) {
  Expected<std::unique_ptr<MemoryBuffer>> buffer = readInputFile(path);
  if (!buffer)
    return makeError(path + ": cannot read calibration statistics: " +
                     toString(buffer.takeError()));
  auto file = std::make_shared<MappedStatisticsFile>(std::move(*buffer));
  Expected<CalibrationStatistics> stats =
      parse(file->buffer->getBuffer(), path, /*keepGramsInFile=*/true);
  if (stats)
    stats->mappedFile = std::move(file);
  return stats;
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

static uint64_t alignUp(uint64_t value) {
  return (value + kAlignment - 1) / kAlignment * kAlignment;
}

std::string CalibrationStatistics::serialize() const {
  json::Array entries;
  uint64_t offset = 0;
  auto place = [&](size_t count) {
    json::Object array{{"offset", static_cast<int64_t>(offset)},
                       {"count", static_cast<int64_t>(count)}};
    offset = alignUp(offset + count * sizeof(double));
    return array;
  };
  for (const LayerStatistics &layer : layers) {
    json::Object mean = place(layer.mean.size());
    json::Object gram = place(static_cast<size_t>(layer.dim * layer.dim));
    json::Object entry{{"name", layer.name},       {"op", layer.op},
                       {"input", layer.input},     {"dim", layer.dim},
                       {"samples", layer.samples}, {"mean", std::move(mean)},
                       {"gram", std::move(gram)}};
    if (layer.hasCross())
      entry["cross"] = place(static_cast<size_t>(layer.dim * layer.dim));
    entries.push_back(std::move(entry));
  }
  json::Object root{{"format", "lowrank-calibration"},
                    {"version", kCalibrationFormatVersion},
                    {"model", model},
                    {"dtype", "float64"},
                    {"layers", std::move(entries)}};
  std::string header = formatv("{0}", json::Value(std::move(root))).str();
  header.resize(alignUp(kPrefixBytes + header.size()) - kPrefixBytes, ' ');

  std::string bytes(kPrefixBytes + header.size() + offset, '\0');
  std::memcpy(bytes.data(), kMagic, sizeof(kMagic));
  support::endian::write64le(bytes.data() + 8, header.size());
  std::memcpy(bytes.data() + kPrefixBytes, header.data(), header.size());
  char *data = bytes.data() + kPrefixBytes + header.size();
  uint64_t position = 0;
  auto emit = [&](const std::vector<double> &values) {
    for (size_t i = 0; i < values.size(); ++i)
      support::endian::write64le(data + position + i * sizeof(double),
                                 llvm::bit_cast<uint64_t>(values[i]));
    position = alignUp(position + values.size() * sizeof(double));
  };
  // Mapped arrays are already little-endian float64, as read from a file.
  auto emitEither = [&](const std::vector<double> &values, StringRef mapped) {
    if (mapped.empty())
      return emit(values);
    std::memcpy(data + position, mapped.data(), mapped.size());
    position = alignUp(position + mapped.size());
  };
  for (const LayerStatistics &layer : layers) {
    emit(layer.mean);
    emitEither(layer.gram, layer.gramBytes);
    if (layer.hasCross())
      emitEither(layer.cross, layer.crossBytes);
  }
  return bytes;
}

Error CalibrationStatistics::writeFile(StringRef path) const {
  std::string bytes = serialize();
  // writeOutputFile writes a temporary file beside `path` and renames it.
  return writeOutputFile(path, [&](raw_ostream &os) {
    os.write(bytes.data(), bytes.size());
    return Error::success();
  });
}

} // namespace lowrank::calibration
