#include "quant_test_util.h"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

#include "quant/quant.h"
#include "test_support.h"

namespace smollm::test {

LoadedGguf load_gguf(const std::string& path) {
    LoadedGguf g;
    g.bytes = read_file_bytes(path);
    GgufParseResult r = gguf_parse(g.bytes.data(), g.bytes.size(), g.bytes.size());
    if (r.status != GgufParseResult::Status::Complete) throw std::runtime_error(path + ": " + r.error);
    g.file = std::move(r.file);
    return g;
}

std::vector<float> dequantize_tensor(const LoadedGguf& g, const GgufTensorInfo& t) {
    std::vector<float> out(t.n_elements);
    dequantize_row(t.type, g.tensor_data(t), out.data(), static_cast<int64_t>(t.n_elements));
    return out;
}

const Json& Json::operator[](const std::string& key) const {
    auto it = fields.find(key);
    if (it == fields.end()) throw std::runtime_error("JSON key missing: " + key);
    return it->second;
}

namespace {

struct JsonParser {
    const std::string& s;
    size_t i = 0;

    void skip_ws() {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    }
    void expect(char c) {
        skip_ws();
        if (i >= s.size() || s[i] != c) throw std::runtime_error(std::string("JSON: expected ") + c + " at " + std::to_string(i));
        ++i;
    }
    std::string parse_string() {
        expect('"');
        std::string out;
        while (i < s.size() && s[i] != '"') {
            if (s[i] == '\\') {
                ++i;
                const char e = s[i++];
                if (e == 'u') {
                    out += '?';  // names in the golden files are ASCII; keep parsing simple
                    i += 4;
                } else {
                    out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
                }
            } else {
                out += s[i++];
            }
        }
        ++i;
        return out;
    }
    Json parse_value() {
        skip_ws();
        Json v;
        const char c = s.at(i);
        if (c == '{') {
            v.kind = Json::Kind::Object;
            ++i;
            skip_ws();
            if (s[i] == '}') { ++i; return v; }
            for (;;) {
                std::string key = parse_string();
                expect(':');
                v.fields.emplace(std::move(key), parse_value());
                skip_ws();
                if (s[i] == ',') { ++i; continue; }
                expect('}');
                return v;
            }
        }
        if (c == '[') {
            v.kind = Json::Kind::Array;
            ++i;
            skip_ws();
            if (s[i] == ']') { ++i; return v; }
            for (;;) {
                v.items.push_back(parse_value());
                skip_ws();
                if (s[i] == ',') { ++i; continue; }
                expect(']');
                return v;
            }
        }
        if (c == '"') {
            v.kind = Json::Kind::String;
            v.str = parse_string();
            return v;
        }
        if (s.compare(i, 4, "true") == 0) { v.kind = Json::Kind::Bool; v.boolean = true; i += 4; return v; }
        if (s.compare(i, 5, "false") == 0) { v.kind = Json::Kind::Bool; i += 5; return v; }
        if (s.compare(i, 4, "null") == 0) { i += 4; return v; }
        if (s.compare(i, 3, "NaN") == 0) { v.kind = Json::Kind::Number; v.number = NAN; i += 3; return v; }
        char* end = nullptr;
        v.kind = Json::Kind::Number;
        v.number = std::strtod(s.c_str() + i, &end);
        if (end == s.c_str() + i) throw std::runtime_error("JSON: bad value at " + std::to_string(i));
        i = static_cast<size_t>(end - s.c_str());
        return v;
    }
};

}  // namespace

Json parse_json(const std::string& text) {
    JsonParser p{text};
    return p.parse_value();
}

std::vector<float> random_values(std::mt19937& rng, size_t n, float scale) {
    std::normal_distribution<float> normal(0.f, scale);
    std::uniform_real_distribution<float> unit(0.f, 1.f);
    std::vector<float> v(n);
    for (auto& x : v) x = normal(rng) * (unit(rng) < 0.01f ? 8.f : 1.f);
    return v;
}

}  // namespace smollm::test
