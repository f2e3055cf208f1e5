// Code point classes and UTF-8 helpers for the tokenizers. The classes are Unicode 15.1
// general categories (the same tables llama.cpp splits text with), so \p{L}, \p{N} and \s in
// the pre-tokenizer regexes mean exactly what they mean there.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace smollm::unicode {

// Must match the class numbers tools/unicode_tables/generate.mjs writes.
enum class UnicodeClass : uint8_t {
    Unassigned = 0,   // Cn
    Number = 1,       // \p{N}
    Letter = 2,       // \p{L}
    Separator = 3,    // \p{Z}
    Mark = 4,         // \p{M}
    Punctuation = 5,  // \p{P}
    Symbol = 6,       // \p{S}
    Control = 7,      // \p{C} other than Cn: Cc, Cf, Co, Cs
};

constexpr uint8_t kClassMask = 0x7;
constexpr uint8_t kWhitespaceBit = 0x8;   // White_Space property (\s)
constexpr uint32_t kReplacement = 0xFFFD;
constexpr uint32_t kMaxCodepoint = 0x10FFFF;

// Class bits | kWhitespaceBit for a code point (values above U+10FFFF count as Unassigned).
uint8_t codepoint_flags(uint32_t cp);

inline UnicodeClass codepoint_class(uint32_t cp) {
    return static_cast<UnicodeClass>(codepoint_flags(cp) & kClassMask);
}
inline bool is_letter(uint32_t cp) { return codepoint_class(cp) == UnicodeClass::Letter; }
inline bool is_number(uint32_t cp) { return codepoint_class(cp) == UnicodeClass::Number; }
inline bool is_whitespace(uint32_t cp) { return (codepoint_flags(cp) & kWhitespaceBit) != 0; }

// Decodes one code point at text[*pos] and advances *pos. A byte that does not start a
// well-formed sequence (stray continuation, truncated or overlong sequence, surrogate, value
// above U+10FFFF) decodes to U+FFFD and advances one byte, as llama.cpp does for each bad byte.
uint32_t decode_utf8(std::string_view text, size_t* pos);

void append_utf8(std::string* out, uint32_t cp);

// Length of the well-formed sequence starting at text[pos]: 1..4, or 0 when it is invalid,
// or -1 when the bytes present are a valid but incomplete prefix that runs off the end.
int well_formed_length(std::string_view text, size_t pos);

// Appends `text` to *out with every invalid part replaced by U+FFFD (one per maximal invalid
// subpart, as the WHATWG decoder does), stopping before a valid but incomplete sequence at the
// end. Returns the bytes consumed; the rest is that incomplete sequence.
size_t append_sanitized_utf8(std::string_view text, std::string* out);

// `text` with every invalid part replaced by U+FFFD (one per maximal invalid subpart, as the
// WHATWG decoder does), including an incomplete sequence at the end.
std::string sanitize_utf8(std::string_view text);

}  // namespace smollm::unicode
