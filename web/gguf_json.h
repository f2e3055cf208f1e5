// GGUF header -> JSON text for the JS side (inspect, info, the loader's checks). JSON is the
// simplest way to hand a tree of metadata across Embind without one call per field.
#pragma once
#include <cstddef>
#include <string>

namespace smollm {

class GgufFile;

// {"version","alignment","data_offset","data_size","file_size","metadata":{...},
//  "tensors":[{"name","type","ne":[..],"offset","bytes"}...],"special_tokens":[{"id","text","type"}...],
//  "vocab_size"}. Arrays longer than `max_array` elements are summarised as
// {"array":"<elem type>","length":N}.
std::string gguf_header_json(const GgufFile& file, size_t max_array, bool with_tensors);

// {"TYPE": count, ...} over the tensors, and {"TYPE": bytes, ...}.
std::string gguf_type_histogram_json(const GgufFile& file);

}  // namespace smollm
