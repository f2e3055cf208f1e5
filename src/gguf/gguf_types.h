// The GGML tensor type table: ids as stored in GGUF files, block geometry and names.
// Every layer that needs to know "how many bytes is a row of N elements of type T" asks here.
#pragma once
#include <cstdint>
#include <string_view>

namespace smollm {

// Values are the on-disk ids (ggml.h `enum ggml_type`); gaps are ids ggml has retired.
enum class GgmlType : uint32_t {
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22,
    IQ4_XS = 23, I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
    TQ1_0 = 34, TQ2_0 = 35,
};

struct GgmlTypeInfo {
    GgmlType type;
    std::string_view name;   // as llama.cpp prints it, e.g. "Q4_K"
    uint32_t block_elems;    // elements per block (1 for plain scalar types)
    uint32_t block_bytes;    // bytes per block
    bool computable;         // true when this engine has kernels for it as a weight type
};

// nullptr when `raw_id` is not a type this build knows (a newer ggml type, or garbage).
const GgmlTypeInfo* ggml_type_info(uint32_t raw_id);
inline const GgmlTypeInfo* ggml_type_info(GgmlType t) { return ggml_type_info(static_cast<uint32_t>(t)); }

std::string_view ggml_type_name(GgmlType t);  // "unknown" for ids without an entry
// Looks a name up ("q4_k" or "Q4_K"); false when unknown.
bool ggml_type_from_name(std::string_view name, GgmlType* out);

// Bytes needed by `n_elems` consecutive elements. False when n_elems is not a multiple of the
// block size or the byte count overflows 64 bits.
bool ggml_bytes_for(GgmlType t, uint64_t n_elems, uint64_t* out_bytes);

}  // namespace smollm
