// The project's one small JSON reader/writer: JSON schemas for grammars (src/grammar) and, in
// the tools, Hugging Face tokenizer.json / tokenizer_config.json, the tokenizer tool's
// JSON-lines protocol and the golden files tests compare against. Objects keep their key
// order; lookups are linear, which suits the small objects we query by key.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smollm {

class JsonValue {
public:
    enum class Kind { Null, Bool, Number, String, Array, Object };

    // Declared here, defined (defaulted) in the .cpp where JsonValue is complete: clang with
    // libstdc++ rejects a vector of pair<string, JsonValue> whose destructor is instantiated
    // inside the class itself.
    JsonValue();
    ~JsonValue();
    JsonValue(const JsonValue&);
    JsonValue(JsonValue&&) noexcept;
    JsonValue& operator=(const JsonValue&);
    JsonValue& operator=(JsonValue&&) noexcept;

    Kind kind = Kind::Null;
    bool boolean = false;
    double number = 0.0;
    std::string string;
    std::vector<JsonValue> array;
    std::vector<std::pair<std::string, JsonValue>> object;

    bool is_null() const { return kind == Kind::Null; }
    bool is_string() const { return kind == Kind::String; }
    bool is_number() const { return kind == Kind::Number; }
    bool is_array() const { return kind == Kind::Array; }
    bool is_object() const { return kind == Kind::Object; }
    bool is_bool() const { return kind == Kind::Bool; }

    // nullptr when this is not an object or has no such key.
    const JsonValue* find(std::string_view key) const;
    // Throws std::runtime_error naming the key when it is missing or of another kind.
    const JsonValue& at(std::string_view key) const;
    const std::string& as_string() const;
    double as_number() const;
    int64_t as_int() const;   // throws unless the number is integral
};

// What a \u escape of a lone surrogate becomes: an error (files we write and read back), or
// U+FFFD, as JavaScript's UTF-8 encoders do (strings that come from JS callers).
enum class LoneSurrogate { Reject, ReplaceWithFffd };

// Throws std::runtime_error("JSON at byte N: why") on malformed input.
JsonValue json_parse(std::string_view text, LoneSurrogate lone = LoneSurrogate::Reject);

// `text` as a JSON string literal (quotes included). Invalid UTF-8 is written as U+FFFD.
std::string json_quote(std::string_view text);

}  // namespace smollm
