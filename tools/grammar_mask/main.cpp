// Test hook for grammar parity with llama.cpp (tests/parity/grammar.test.mjs), until the
// engine's generate takes a grammar:
//   grammar_mask --gbnf-from-schema SCHEMA.json
//       prints the GBNF our converter makes of a JSON schema;
//   grammar_mask MODEL.gguf GRAMMAR.gbnf LOGITS.f32 TOKENS
//       replays TOKENS (comma-separated ids: llama.cpp's grammar-constrained greedy output)
//       through our matcher with MODEL's vocabulary. Before each token, and once after the
//       last, it takes the next row of LOGITS.f32 (float32 rows of n_vocab: llama.cpp's raw
//       logits at that step), removes what our grammar masks, and records the argmax
//       (-1 when no token is allowed). Prints {"choices":[...],"refused":index or -1}.
#include <cstdio>
#include <exception>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/gguf_reader.h"
#include "grammar/gbnf_parser.h"
#include "grammar/grammar_matcher.h"
#include "grammar/json_schema_to_gbnf.h"
#include "text/tokenizer.h"

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<int32_t> parse_ids(const std::string& list) {
    std::vector<int32_t> ids;
    std::stringstream ss(list);
    for (std::string item; std::getline(ss, item, ',');) {
        if (!item.empty()) ids.push_back(static_cast<int32_t>(std::stol(item)));
    }
    return ids;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace smollm;
    using namespace smollm::grammar;
    try {
        if (argc == 3 && std::string(argv[1]) == "--gbnf-from-schema") {
            std::fputs(json_schema_to_gbnf(read_text(argv[2])).c_str(), stdout);
            return 0;
        }
        if (argc != 5) {
            std::fprintf(stderr, "usage: %s MODEL.gguf GRAMMAR.gbnf LOGITS.f32 TOKENS | --gbnf-from-schema SCHEMA.json\n", argv[0]);
            return 2;
        }
        const std::string model = read_text(argv[1]);
        GgufParseResult parsed = gguf_parse(reinterpret_cast<const uint8_t*>(model.data()), model.size(), model.size());
        if (parsed.status != GgufParseResult::Status::Complete) throw std::runtime_error(std::string(argv[1]) + ": " + parsed.error);
        const auto tokenizer = Tokenizer::from_gguf(*parsed.file);
        const TokenTrie trie = TokenTrie::from_tokenizer(*tokenizer);
        GrammarMatcher matcher(std::make_shared<const Grammar>(parse_gbnf(read_text(argv[2]))));
        const std::string logits = read_text(argv[3]);
        const std::vector<int32_t> tokens = parse_ids(argv[4]);
        const size_t n_vocab = static_cast<size_t>(trie.n_vocab());
        const size_t rows = logits.size() / (n_vocab * sizeof(float));
        std::vector<uint32_t> mask;
        std::string out = "{\"choices\":[";
        int64_t refused = -1;
        for (size_t step = 0; step < rows && step <= tokens.size(); ++step) {
            const float* row = reinterpret_cast<const float*>(logits.data()) + step * n_vocab;
            const MaskResult result = matcher.fill_mask(trie, mask);
            int32_t best = -1;
            float best_logit = -std::numeric_limits<float>::infinity();
            for (size_t id = 0; id < n_vocab; ++id) {
                if ((mask[id >> 5] >> (id & 31) & 1u) && (best < 0 || row[id] > best_logit)) {
                    best = static_cast<int32_t>(id);
                    best_logit = row[id];
                }
            }
            if (result.no_token_allowed()) best = -1;
            if (step) out += ',';
            out += std::to_string(best);
            if (step < tokens.size() && !matcher.accept_token(trie, tokens[step])) {
                refused = static_cast<int64_t>(step);
                break;
            }
        }
        out += "],\"refused\":" + std::to_string(refused) + "}\n";
        std::fputs(out.c_str(), stdout);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "grammar_mask: %s\n", e.what());
        return 1;
    }
}
