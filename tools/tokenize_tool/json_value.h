// A small JSON reader/writer for the tokenizer tool's JSON-lines protocol and the tokenizer
// tests' golden files. Strings are UTF-8; a \u escape of a lone surrogate becomes U+FFFD
// (as JavaScript's UTF-8 encoders do).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace smollm::json {

struct Value {
    enum class Kind { Null, Bool, Number, String, Array, Object };
    Kind kind = Kind::Null;
    bool boolean = false;
    double number = 0.0;
    std::string string;
    std::vector<Value> array;
    std::map<std::string, Value> object;

    const Value* get(const std::string& key) const;   // nullptr when absent or not an object
};

// Throws std::runtime_error with the byte offset of the first problem.
Value parse(std::string_view text);

// `text` as a JSON string literal (quotes included). Invalid UTF-8 is written as U+FFFD.
std::string quote(std::string_view text);

}  // namespace smollm::json
