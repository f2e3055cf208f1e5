// tokenize_tool MODEL.gguf: tokenizes many strings in one process, for parity tests and
// benchmarks. Reads JSON lines from stdin and answers one JSON line each:
//   {"text": "...", "special": true}  ->  [id, id, ...]
//   {"ids": [id, ...]}                ->  "decoded text"
// A bad request is answered with {"error": "..."} and the tool goes on.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "text/tokenizer.h"
#include "tokenize_tool/gguf_header_file.h"
#include "tokenize_tool/json_value.h"

namespace {

std::string answer(const smollm::Tokenizer& tok, const std::string& line) {
    using smollm::json::Value;
    const Value request = smollm::json::parse(line);
    if (const Value* text = request.get("text"); text && text->kind == Value::Kind::String) {
        const Value* special = request.get("special");
        const bool parse_special = special && special->kind == Value::Kind::Bool && special->boolean;
        std::string out = "[";
        for (const int32_t id : tok.encode(text->string, parse_special)) {
            if (out.size() > 1) out += ',';
            out += std::to_string(id);
        }
        return out + "]";
    }
    if (const Value* ids = request.get("ids"); ids && ids->kind == Value::Kind::Array) {
        std::vector<int32_t> v;
        for (const Value& id : ids->array) {
            if (id.kind != Value::Kind::Number) throw std::runtime_error("ids must be numbers");
            v.push_back(static_cast<int32_t>(id.number));
        }
        return smollm::json::quote(tok.decode(v.data(), v.size()));
    }
    throw std::runtime_error("expected {\"text\": ...} or {\"ids\": [...]}");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s MODEL.gguf < requests.jsonl\n", argv[0]);
        return 2;
    }
    std::unique_ptr<smollm::Tokenizer> tok;
    try {
        tok = smollm::Tokenizer::from_gguf(*smollm::read_gguf_header(argv[1]));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tokenize_tool: %s\n", e.what());
        return 1;
    }
    std::ios::sync_with_stdio(false);
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty()) continue;
        try {
            std::cout << answer(*tok, line) << '\n';
        } catch (const std::exception& e) {
            std::cout << "{\"error\":" << smollm::json::quote(e.what()) << "}\n";
        }
        std::cout.flush();
    }
    return 0;
}
