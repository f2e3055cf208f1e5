#include "tokenizer_fixtures.h"

#include <map>
#include <sstream>
#include <stdexcept>

#include "test_support.h"
#include "tokenize_tool/gguf_header_file.h"

namespace smollm::test {

const Tokenizer& shared_tokenizer(const std::string& relative) {
    static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
    auto& slot = cache[relative];
    if (!slot) slot = Tokenizer::from_gguf(*read_gguf_header(shared_path(relative)));
    return *slot;
}

std::vector<VocabCase> read_vocab_cases(const std::string& gguf_relative) {
    const std::string inp = read_file_text(shared_path(gguf_relative + ".inp"));
    const std::string out = read_file_text(shared_path(gguf_relative + ".out"));
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> texts;
    for (size_t pos = 0;;) {
        const size_t next = inp.find(sep, pos);
        if (next == std::string::npos) break;   // the file ends with a separator
        texts.push_back(inp.substr(pos, next - pos));
        pos = next + sep.size();
    }
    std::vector<VocabCase> cases;
    std::istringstream lines(out);
    std::string line;
    for (const std::string& text : texts) {
        if (!std::getline(lines, line)) throw std::runtime_error("fewer .out lines than .inp cases");
        VocabCase c{text, {}};
        std::istringstream ids(line);
        for (int32_t id; ids >> id;) c.ids.push_back(id);
        cases.push_back(std::move(c));
    }
    return cases;
}

}  // namespace smollm::test
