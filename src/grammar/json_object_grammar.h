// The GBNF for json_object mode: any JSON object, written with the rules llama.cpp's
// json-schema-to-grammar emits for {"type": "object"} (so whitespace, number and string
// forms are the ones llama.cpp allows: at most two newlines and 20 spaces or tabs between
// items, integers of at most 16 digits).
#pragma once
#include <string>

namespace smollm::grammar {

const std::string& json_object_gbnf();

}  // namespace smollm::grammar
