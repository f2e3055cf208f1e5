// Every tensor of a model by name, with the address of its bytes, merged over the parts of a
// split GGUF (-00001-of-0000N.gguf): the first part carries the metadata, each part some of
// the tensors.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gguf/gguf_reader.h"

namespace smollm {

struct TensorRef {
    const GgufTensorInfo* info = nullptr;
    const uint8_t* data = nullptr;
};

class TensorTable {
public:
    // `headers[i]` describes the file whose bytes start at `bases[i]`. Throws ModelError on a
    // tensor name that appears in two parts.
    void add_part(const GgufFile& header, const uint8_t* base);

    const TensorRef* find(std::string_view name) const;
    const std::vector<std::string>& names() const { return names_; }

private:
    std::unordered_map<std::string, TensorRef> by_name_;
    std::vector<std::string> names_;
};

}  // namespace smollm
