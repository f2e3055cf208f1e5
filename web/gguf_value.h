// GGUF header -> JS values (Embind val), built once in the glue and handed to the JS side
// (inspect, ModelInfo.metadata, the loader's checks) with no text format in between. Shapes:
// js/src/wasm-module-types.d.ts (GgufHeader, GgufMetadataValue).
#pragma once
#include <cstddef>
#include <cstdint>

#include <emscripten/val.h>

namespace smollm {

class GgufFile;

// {key: value, ...} over the metadata. Arrays longer than `max_array` elements are summarised
// as {array: "<elem type>", length: N}; 64-bit integers arrive as numbers.
emscripten::val gguf_metadata_value(const GgufFile& file, size_t max_array);

// {version, alignment, data_offset, data_size, file_size, tensor_count, metadata, vocab_size,
//  special_tokens: [{id, text, type}...], tensors?: [{name, type, ne, offset, bytes}...]}.
emscripten::val gguf_header_value(const GgufFile& file, size_t max_array, bool with_tensors);

// {"TYPE": count, ...} over the tensors.
emscripten::val gguf_type_histogram(const GgufFile& file);

// The vocabulary's text for token `id` (tokenizer.ggml.tokens), or null.
emscripten::val gguf_token_text(const GgufFile& file, int64_t id);

}  // namespace smollm
