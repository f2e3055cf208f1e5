#include "text/tokenizer.h"

#include <stdexcept>

#include "gguf/gguf_reader.h"
#include "text/bpe_tokenizer.h"
#include "text/spm_tokenizer.h"
#include "text/vocab.h"

namespace smollm {

std::unique_ptr<Tokenizer> make_tokenizer(const VocabSpec& spec) {
    if (spec.model == "gpt2") return std::make_unique<BpeTokenizer>(spec);
    if (spec.model == "llama") return std::make_unique<SpmTokenizer>(spec);
    throw UnsupportedTokenizer("unsupported tokenizer model '" + spec.model +
                             "' (tokenizer.ggml.model); supported: gpt2 (byte-level BPE), llama (SentencePiece)");
}

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const GgufFile& file) {
    return make_tokenizer(VocabSpec::from_gguf(file));
}

std::string Tokenizer::decode(const int32_t* ids, size_t n, bool render_special) const {
    std::string out;
    const auto* spm = dynamic_cast<const SpmTokenizer*>(this);
    for (size_t i = 0; i < n; ++i) {
        std::string piece = token_to_piece(ids[i], render_special);
        // As llama.cpp's detokenize: the prefix space encode() added is not part of the text.
        if (i == 0 && spm && spm->adds_space_prefix() && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
        out += piece;
    }
    return out;
}

}  // namespace smollm
