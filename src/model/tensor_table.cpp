#include "model/tensor_table.h"

#include "model/model_error.h"

namespace smollm {

void TensorTable::add_part(const GgufFile& header, const uint8_t* base) {
    for (const GgufTensorInfo& t : header.tensors) {
        TensorRef ref;
        ref.info = &t;
        // A header-only table (memory planning before the download) has no bytes to point at;
        // pointer arithmetic on null is undefined, so its refs stay null.
        ref.data = base ? base + header.data_offset + t.offset : nullptr;
        if (!by_name_.emplace(t.name, ref).second) {
            throw ModelError("tensor '" + t.name + "' appears in more than one part of the split model; "
                             "the parts do not belong together");
        }
        names_.push_back(t.name);
    }
}

const TensorRef* TensorTable::find(std::string_view name) const {
    auto it = by_name_.find(std::string(name));
    return it == by_name_.end() ? nullptr : &it->second;
}

}  // namespace smollm
