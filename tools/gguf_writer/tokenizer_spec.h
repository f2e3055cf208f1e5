// The tokenizer half of a llama GGUF: what the writer stores under tokenizer.ggml.* and
// tokenizer.chat_template. It comes from a Hugging Face tokenizer.json (the real SmolLM2
// vocabulary) or from a small synthetic byte-level BPE vocabulary built here.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace smollm::tools {

// llama.cpp's token attributes as GGUF stores them (tokenizer.ggml.token_type).
enum class TokenType : int32_t { Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

struct TokenizerSpec {
    std::string model = "gpt2";         // tokenizer.ggml.model
    std::string pre = "smollm";         // tokenizer.ggml.pre
    std::vector<std::string> tokens;    // id order
    std::vector<TokenType> token_types;
    std::vector<std::string> merges;    // "left right", rank order
    int64_t bos_id = -1;                // -1: not written
    int64_t eos_id = -1;
    int64_t eot_id = -1;
    int64_t pad_id = -1;
    int64_t unk_id = -1;
    bool add_bos = false;
    std::string chat_template;          // empty: not written
};

// Reads tokenizer.json (BPE model: vocab, merges, added tokens). The chat template and the
// bos/eos/pad/unk tokens come from a sibling tokenizer_config.json when there is one, the
// template otherwise from a sibling chat_template.jinja. Without a config, ChatML vocabularies
// get SmolLM2-Instruct's choices (bos <|im_start|>, eos/eot/pad <|im_end|>, unk <|endoftext|>).
// Throws std::runtime_error naming the file and the problem.
TokenizerSpec load_hf_tokenizer(const std::string& tokenizer_json_path);

// 3 special tokens (<|endoftext|>, <|im_start|>, <|im_end|>), all 256 byte tokens and BPE
// merges learned from a built-in English text, up to `vocab_size` tokens (padded with unused
// [PADn] tokens if the text runs out of merges). Special ids and template as for SmolLM2.
TokenizerSpec synthetic_bpe_tokenizer(uint32_t vocab_size);

// Grows the vocabulary to `vocab_size` with [PADn] tokens, as convert_hf_to_gguf.py does when
// a model's embedding has more rows than its tokenizer has tokens.
void pad_vocabulary(TokenizerSpec& spec, uint32_t vocab_size);

// GPT-2's byte-level alphabet: the printable stand-in for each byte (e.g. ' ' -> "Ġ").
std::string byte_to_token_text(uint8_t byte);

// ChatML without a default system prompt, used when a tokenizer brings no template.
extern const char* const kChatMlTemplate;

}  // namespace smollm::tools
