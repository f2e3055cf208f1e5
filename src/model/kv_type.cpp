#include "model/kv_type.h"

#include <cctype>

#include "quant/blocks.h"

namespace smollm {

const char* kv_type_name(KvType t) {
    switch (t) {
        case KvType::F32: return "f32";
        case KvType::F16: return "f16";
        case KvType::Q8_0: return "q8_0";
        case KvType::Q4_0: return "q4_0";
    }
    return "?";
}

std::optional<KvType> parse_kv_type(std::string_view name) {
    for (KvType t : {KvType::F32, KvType::F16, KvType::Q8_0, KvType::Q4_0}) {
        const std::string_view n = kv_type_name(t);
        if (n.size() != name.size()) continue;
        bool same = true;
        for (size_t i = 0; i < n.size(); ++i) {
            same = same && std::tolower(static_cast<unsigned char>(name[i])) == n[i];
        }
        if (same) return t;
    }
    return std::nullopt;
}

int32_t kv_type_block(KvType t) { return t == KvType::Q8_0 || t == KvType::Q4_0 ? quant::kQK : 1; }

size_t kv_row_bytes(KvType t, int64_t n) {
    const auto un = static_cast<size_t>(n);
    switch (t) {
        case KvType::F32: return un * 4;
        case KvType::F16: return un * 2;
        case KvType::Q8_0: return un / quant::kQK * sizeof(quant::BlockQ8_0);
        case KvType::Q4_0: return un / quant::kQK * sizeof(quant::BlockQ4_0);
    }
    return 0;
}

}  // namespace smollm
