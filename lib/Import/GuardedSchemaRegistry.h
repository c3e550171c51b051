//===- GuardedSchemaRegistry.h - Rank checks before ONNX inference -*- C++ -*-//
//
// ONNX 1.12's shape inference functions read some input dimensions without
// checking the input's rank first: a fuzzed ConvTranspose whose weight is
// rank 0 dereferenced a null pointer inside the library. This registry hands
// out the library's schemas, except that the inference functions of such
// ops first check the ranks of the inputs they index, for declared and
// inferred types alike, and fail inference with a message instead.
//
//===----------------------------------------------------------------------===//

#ifndef LOWRANK_LIB_IMPORT_GUARDEDSCHEMAREGISTRY_H
#define LOWRANK_LIB_IMPORT_GUARDEDSCHEMAREGISTRY_H

#include <onnx/defs/schema.h>

#include <map>
#include <memory>
#include <mutex>

namespace lowrank {

class GuardedSchemaRegistry final : public ::onnx::ISchemaRegistry {
public:
  const ::onnx::OpSchema *GetSchema(const std::string &key,
                                    const int maxInclusiveVersion,
                                    const std::string &domain) const override;

  /// The process-wide instance.
  static const GuardedSchemaRegistry &get();

private:
  mutable std::mutex mutex;
  /// Guarded copies, by the library schema they wrap.
  mutable std::map<const ::onnx::OpSchema *, std::unique_ptr<::onnx::OpSchema>>
      guarded;
};

} // namespace lowrank

#endif // LOWRANK_LIB_IMPORT_GUARDEDSCHEMAREGISTRY_H
