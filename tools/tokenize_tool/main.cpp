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
#include "util/json_value.h"

namespace {

std::string answer(const smollm::Tokenizer& tok, const std::string& line) {
    using smollm::JsonValue;
    // Requests come from JavaScript strings, which may hold lone surrogates.
    const JsonValue request = smollm::json_parse(line, smollm::LoneSurrogate::ReplaceWithFffd);
    if (const JsonValue* text = request.find("text"); text && text->is_string()) {
        const JsonValue* special = request.find("special");
        const bool parse_special = special && special->is_bool() && special->boolean;
        std::string out = "[";
        for (const int32_t id : tok.encode(text->string, parse_special)) {
            if (out.size() > 1) out += ',';
            out += std::to_string(id);
        }
        return out + "]";
    }
    if (const JsonValue* ids = request.find("ids"); ids && ids->is_array()) {
        std::vector<int32_t> v;
        for (const JsonValue& id : ids->array) {
            if (!id.is_number()) throw std::runtime_error("ids must be numbers");
            v.push_back(static_cast<int32_t>(id.number));
        }
        return smollm::json_quote(tok.decode(v.data(), v.size()));
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
            std::cout << "{\"error\":" << smollm::json_quote(e.what()) << "}\n";
        }
        std::cout.flush();
    }
    return 0;
}
