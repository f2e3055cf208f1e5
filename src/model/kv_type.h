// How the KV cache stores keys and values: llama.cpp's cache types that the engine supports.
// F16 is the default (llama.cpp's too); Q8_0 and Q4_0 are llama.cpp's 32-element blocks
// (34 and 18 bytes), quantized as its CPU backend quantizes a cache row; F32 is kept for tests
// and the native tool.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace smollm {

enum class KvType : uint8_t { F32, F16, Q8_0, Q4_0 };

// "f32", "f16", "q8_0", "q4_0": the names the package, the CLI and ModelInfo use.
const char* kv_type_name(KvType t);
// The type named `name` (the names above, case-insensitive), or nothing.
std::optional<KvType> parse_kv_type(std::string_view name);

// Bytes of one row of `n` values (n a multiple of kv_type_block(t)).
size_t kv_row_bytes(KvType t, int64_t n);
// Values per block: 32 for the quantized types, 1 otherwise. A head's values must fill whole
// blocks, so a quantized type needs head_dim % 32 == 0.
int32_t kv_type_block(KvType t);

}  // namespace smollm
