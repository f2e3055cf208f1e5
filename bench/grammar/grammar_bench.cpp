// Grammar mask cost: with a GGUF's vocabulary (SmolLM2's 49,152 tokens in tiny-py), times
// building the token trie and compiling a JSON grammar (setup), then replays a JSON document
// token by token, timing the allowed-token mask at every step. Prints one JSON line.
// Built natively and with Emscripten by bench/grammar/run.sh.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "grammar/gbnf_parser.h"
#include "grammar/grammar_matcher.h"
#include "text/tokenizer.h"
#include "tokenize_tool/gguf_header_file.h"

namespace {

// Any JSON value, nested (the shape llama.cpp's grammars/json.gbnf describes).
const char* kJsonGrammar = R"(root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
array  ::= "[" ws ( value ("," ws value)* )? "]" ws
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) )* "\"" ws
number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws
ws ::= | " " | "\n" [ \t]{0,20}
)";

const char* kDocument =
    "{\"name\": \"Ada Lovelace\", \"born\": 1815, \"tags\": [\"math\", \"poetry\", \"engines\"],\n"
    "  \"address\": {\"city\": \"London\", \"zip\": \"W1\", \"geo\": [51.5072, -0.1276]},\n"
    "  \"works\": [{\"title\": \"Notes on the Analytical Engine\", \"year\": 1843, \"pages\": 65}],\n"
    "  \"alive\": false, \"spouse\": null, \"quote\": \"That brain of mine is more than merely mortal.\"}";

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s MODEL.gguf [repeats]\n", argv[0]);
        return 2;
    }
    try {
        using namespace smollm::grammar;
        const auto tok = smollm::Tokenizer::from_gguf(*smollm::read_gguf_header(argv[1]));
        const int repeats = argc > 2 ? std::stoi(argv[2]) : 3;

        auto t0 = std::chrono::steady_clock::now();
        const TokenTrie trie = TokenTrie::from_tokenizer(*tok);
        const double trie_ms = ms_since(t0);

        const std::vector<int32_t> tokens = tok->encode(kDocument, false);
        std::vector<double> step_ms;
        double compile_ms = 1e30, first_mask_ms = 1e30;
        std::vector<uint32_t> mask;
        for (int r = 0; r < repeats; ++r) {
            t0 = std::chrono::steady_clock::now();
            auto grammar = std::make_shared<const Grammar>(parse_gbnf(kJsonGrammar));
            GrammarMatcher matcher(grammar);
            compile_ms = std::min(compile_ms, ms_since(t0));
            for (size_t i = 0; i < tokens.size(); ++i) {
                t0 = std::chrono::steady_clock::now();
                const MaskResult result = matcher.fill_mask(trie, mask);
                const double ms = ms_since(t0);
                if (i == 0) first_mask_ms = std::min(first_mask_ms, ms);
                if (r == repeats - 1) step_ms.push_back(ms);
                const int32_t t = tokens[i];
                if (result.no_token_allowed() || !(mask[static_cast<size_t>(t) >> 5] >> (t & 31) & 1u) ||
                    !matcher.accept_token(trie, t)) {
                    throw std::runtime_error("the document's token " + std::to_string(i) + " was not allowed");
                }
            }
            if (!matcher.can_end()) throw std::runtime_error("the document did not complete the grammar");
        }
        std::vector<double> sorted = step_ms;
        std::sort(sorted.begin(), sorted.end());
        double sum = 0;
        for (double ms : step_ms) sum += ms;
        std::printf("{\"vocab\":%d,\"trie_nodes\":%zu,\"trie_ms\":%.2f,\"grammar_ms\":%.3f,\"first_mask_ms\":%.3f,"
                    "\"steps\":%zu,\"mask_mean_ms\":%.3f,\"mask_median_ms\":%.3f,\"mask_p95_ms\":%.3f,\"mask_max_ms\":%.3f}\n",
                    trie.n_vocab(), trie.nodes().size(), trie_ms, compile_ms, first_mask_ms, step_ms.size(),
                    sum / static_cast<double>(step_ms.size()), sorted[sorted.size() / 2],
                    sorted[sorted.size() * 95 / 100], sorted.back());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "grammar_bench: %s\n", e.what());
        return 1;
    }
}
