#include "util/json_value.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "text/json_string.h"
#include "text/unicode.h"

namespace smollm {

JsonValue::JsonValue() = default;
JsonValue::~JsonValue() = default;
JsonValue::JsonValue(const JsonValue&) = default;
JsonValue::JsonValue(JsonValue&&) noexcept = default;
JsonValue& JsonValue::operator=(const JsonValue&) = default;
JsonValue& JsonValue::operator=(JsonValue&&) noexcept = default;

namespace {

// Recursion is bounded so deeply nested input fails cleanly instead of overflowing the stack.
constexpr int kMaxDepth = 256;

class JsonParser {
public:
    JsonParser(std::string_view text, LoneSurrogate lone) : s_(text), lone_(lone) {}

    JsonValue parse_document() {
        JsonValue v = parse_value(0);
        skip_space();
        if (pos_ != s_.size()) fail("trailing characters after the document");
        return v;
    }

private:
    std::string_view s_;
    LoneSurrogate lone_;
    size_t pos_ = 0;

    [[noreturn]] void fail(const std::string& why) const {
        throw std::runtime_error("JSON at byte " + std::to_string(pos_) + ": " + why);
    }

    void skip_space() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
    }

    bool consume_literal(std::string_view lit) {
        if (s_.substr(pos_, lit.size()) != lit) return false;
        pos_ += lit.size();
        return true;
    }

    JsonValue parse_value(int depth) {
        if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth));
        skip_space();
        if (pos_ >= s_.size()) fail("unexpected end of input");
        JsonValue v;
        const char c = s_[pos_];
        if (c == '{') {
            v.kind = JsonValue::Kind::Object;
            ++pos_;
            skip_space();
            if (pos_ < s_.size() && s_[pos_] == '}') {
                ++pos_;
                return v;
            }
            for (;;) {
                skip_space();
                if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a string key");
                std::string key = parse_string();
                skip_space();
                if (pos_ >= s_.size() || s_[pos_] != ':') fail("expected ':'");
                ++pos_;
                v.object.emplace_back(std::move(key), parse_value(depth + 1));
                skip_space();
                if (pos_ < s_.size() && s_[pos_] == ',') {
                    ++pos_;
                    continue;
                }
                if (pos_ < s_.size() && s_[pos_] == '}') {
                    ++pos_;
                    return v;
                }
                fail("expected ',' or '}'");
            }
        }
        if (c == '[') {
            v.kind = JsonValue::Kind::Array;
            ++pos_;
            skip_space();
            if (pos_ < s_.size() && s_[pos_] == ']') {
                ++pos_;
                return v;
            }
            for (;;) {
                v.array.push_back(parse_value(depth + 1));
                skip_space();
                if (pos_ < s_.size() && s_[pos_] == ',') {
                    ++pos_;
                    continue;
                }
                if (pos_ < s_.size() && s_[pos_] == ']') {
                    ++pos_;
                    return v;
                }
                fail("expected ',' or ']'");
            }
        }
        if (c == '"') {
            v.kind = JsonValue::Kind::String;
            v.string = parse_string();
            return v;
        }
        if (consume_literal("true")) {
            v.kind = JsonValue::Kind::Bool;
            v.boolean = true;
            return v;
        }
        if (consume_literal("false")) {
            v.kind = JsonValue::Kind::Bool;
            return v;
        }
        if (consume_literal("null")) return v;
        if (c == '-' || (c >= '0' && c <= '9')) {
            v.kind = JsonValue::Kind::Number;
            v.number = parse_number();
            return v;
        }
        fail(std::string("unexpected character '") + c + "'");
    }

    double parse_number() {
        const size_t start = pos_;
        if (s_[pos_] == '-') ++pos_;
        auto digits = [&] {
            const size_t d = pos_;
            while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
            if (pos_ == d) fail("malformed number");
        };
        digits();
        if (pos_ < s_.size() && s_[pos_] == '.') {
            ++pos_;
            digits();
        }
        if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
            digits();
        }
        return std::strtod(std::string(s_.substr(start, pos_ - start)).c_str(), nullptr);
    }

    uint32_t parse_hex4() {
        if (s_.size() - pos_ < 4) fail("truncated \\u escape");
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            const char h = s_[pos_++];
            v <<= 4;
            if (h >= '0' && h <= '9') v |= h - '0';
            else if (h >= 'a' && h <= 'f') v |= h - 'a' + 10;
            else if (h >= 'A' && h <= 'F') v |= h - 'A' + 10;
            else fail("bad hex digit in \\u escape");
        }
        return v;
    }

    std::string parse_string() {
        ++pos_;  // opening quote
        std::string out;
        for (;;) {
            if (pos_ >= s_.size()) fail("unterminated string");
            const char c = s_[pos_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character inside a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= s_.size()) fail("unterminated escape");
            const char e = s_[pos_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    uint32_t cp = parse_hex4();
                    if (cp >= 0xd800 && cp <= 0xdbff && s_.substr(pos_, 2) == "\\u") {
                        const size_t resume = pos_;
                        pos_ += 2;
                        const uint32_t lo = parse_hex4();
                        if (lo >= 0xdc00 && lo <= 0xdfff) {
                            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                        } else {
                            pos_ = resume;   // the next escape stands on its own
                        }
                    }
                    if (cp >= 0xd800 && cp <= 0xdfff) {
                        if (lone_ == LoneSurrogate::Reject) fail("unpaired surrogate in \\u escape");
                        cp = 0xfffd;
                    }
                    unicode::append_utf8(&out, cp);
                    break;
                }
                default: fail(std::string("unknown escape \\") + e);
            }
        }
    }
};

}  // namespace

const JsonValue* JsonValue::find(std::string_view key) const {
    if (kind != Kind::Object) return nullptr;
    for (const auto& [k, v] : object)
        if (k == key) return &v;
    return nullptr;
}

const JsonValue& JsonValue::at(std::string_view key) const {
    const JsonValue* v = find(key);
    if (!v) throw std::runtime_error("JSON: missing key '" + std::string(key) + "'");
    return *v;
}

const std::string& JsonValue::as_string() const {
    if (kind != Kind::String) throw std::runtime_error("JSON: expected a string");
    return string;
}

double JsonValue::as_number() const {
    if (kind != Kind::Number) throw std::runtime_error("JSON: expected a number");
    return number;
}

int64_t JsonValue::as_int() const {
    const double d = as_number();
    if (d != std::floor(d) || std::fabs(d) > 9007199254740992.0) throw std::runtime_error("JSON: expected an integer");
    return static_cast<int64_t>(d);
}

JsonValue json_parse(std::string_view text, LoneSurrogate lone) {
    return JsonParser(text, lone).parse_document();
}

std::string json_quote(std::string_view text) {
    std::string out;
    json_append_string(out, text);
    return out;
}

}  // namespace smollm
