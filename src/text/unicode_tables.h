// The generated code point table (src/text/unicode_tables.cpp); read it through unicode.h.
#pragma once
#include <cstddef>
#include <cstdint>

namespace smollm::unicode_tables {

extern const uint32_t kRanges[];
extern const size_t kRangeCount;

}  // namespace smollm::unicode_tables
