#include "gguf/gguf_types.h"

#include <cctype>
#include <string>

namespace smollm {
namespace {

// Block geometry from ggml's type traits; `computable` marks the weight types our kernels cover.
constexpr GgmlTypeInfo kTypes[] = {
    {GgmlType::F32, "F32", 1, 4, true},
    {GgmlType::F16, "F16", 1, 2, true},
    {GgmlType::Q4_0, "Q4_0", 32, 18, true},
    {GgmlType::Q4_1, "Q4_1", 32, 20, true},
    {GgmlType::Q5_0, "Q5_0", 32, 22, true},
    {GgmlType::Q5_1, "Q5_1", 32, 24, true},
    {GgmlType::Q8_0, "Q8_0", 32, 34, true},
    {GgmlType::Q8_1, "Q8_1", 32, 36, false},
    {GgmlType::Q2_K, "Q2_K", 256, 84, true},
    {GgmlType::Q3_K, "Q3_K", 256, 110, true},
    {GgmlType::Q4_K, "Q4_K", 256, 144, true},
    {GgmlType::Q5_K, "Q5_K", 256, 176, true},
    {GgmlType::Q6_K, "Q6_K", 256, 210, true},
    {GgmlType::Q8_K, "Q8_K", 256, 292, false},
    {GgmlType::IQ2_XXS, "IQ2_XXS", 256, 66, false},
    {GgmlType::IQ2_XS, "IQ2_XS", 256, 74, false},
    {GgmlType::IQ3_XXS, "IQ3_XXS", 256, 98, false},
    {GgmlType::IQ1_S, "IQ1_S", 256, 50, false},
    {GgmlType::IQ4_NL, "IQ4_NL", 32, 18, true},
    {GgmlType::IQ3_S, "IQ3_S", 256, 110, false},
    {GgmlType::IQ2_S, "IQ2_S", 256, 82, false},
    {GgmlType::IQ4_XS, "IQ4_XS", 256, 136, true},
    {GgmlType::I8, "I8", 1, 1, false},
    {GgmlType::I16, "I16", 1, 2, false},
    {GgmlType::I32, "I32", 1, 4, false},
    {GgmlType::I64, "I64", 1, 8, false},
    {GgmlType::F64, "F64", 1, 8, false},
    {GgmlType::IQ1_M, "IQ1_M", 256, 56, false},
    {GgmlType::BF16, "BF16", 1, 2, true},
    {GgmlType::TQ1_0, "TQ1_0", 256, 54, false},
    {GgmlType::TQ2_0, "TQ2_0", 256, 66, false},
};

}  // namespace

const GgmlTypeInfo* ggml_type_info(uint32_t raw_id) {
    for (const auto& t : kTypes)
        if (static_cast<uint32_t>(t.type) == raw_id) return &t;
    return nullptr;
}

std::string_view ggml_type_name(GgmlType t) {
    const GgmlTypeInfo* info = ggml_type_info(t);
    return info ? info->name : std::string_view("unknown");
}

bool ggml_type_from_name(std::string_view name, GgmlType* out) {
    std::string upper(name);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (const auto& t : kTypes) {
        if (t.name == upper) {
            *out = t.type;
            return true;
        }
    }
    return false;
}

bool ggml_bytes_for(GgmlType t, uint64_t n_elems, uint64_t* out_bytes) {
    const GgmlTypeInfo* info = ggml_type_info(t);
    if (!info || n_elems % info->block_elems != 0) return false;
    const uint64_t blocks = n_elems / info->block_elems;
    if (blocks != 0 && info->block_bytes > UINT64_MAX / blocks) return false;
    *out_bytes = blocks * info->block_bytes;
    return true;
}

}  // namespace smollm
