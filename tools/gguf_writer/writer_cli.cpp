#include "gguf_writer/writer_cli.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <stdexcept>

namespace smollm::tools {

const char* writer_usage() {
    return "usage: gguf_writer -o OUT.gguf [options]\n"
           "Writes a llama-architecture GGUF file with seeded random weights.\n"
           "  -o, --output PATH     output file (required)\n"
           "  --dim N               embedding length (default 256)\n"
           "  --layers N            block count (default 2)\n"
           "  --heads N             attention heads (default 4)\n"
           "  --kv-heads N          key/value heads (default 2)\n"
           "  --ffn N               feed-forward length (default 768)\n"
           "  --vocab N             vocabulary size (default: the tokenizer's; 512 for the synthetic one)\n"
           "  --context N           context length (default 2048)\n"
           "  --rope-theta X        RoPE frequency base (default 10000)\n"
           "  --rms-eps X           RMSNorm epsilon (default 1e-5)\n"
           "  --tied | --untied     token_embd doubles as the output matrix, or a separate output.weight\n"
           "                        (default tied)\n"
           "  --seed N              random seed (default 1)\n"
           "  --type T              every weight matrix in type T: f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1\n"
           "                        q2_k q3_k q4_k q5_k q6_k iq4_nl iq4_xs (default f16); norms stay f32\n"
           "  --mix M               llama.cpp's per-tensor mix instead: q4_k_m q5_k_m iq4_xs\n"
           "  --tokenizer PATH      Hugging Face tokenizer.json (vocabulary, merges, special tokens; chat\n"
           "                        template and bos/eos from a sibling tokenizer_config.json or\n"
           "                        chat_template.jinja). Default: a synthetic byte-level BPE vocabulary\n"
           "  --chat-template FILE  Jinja chat template to store as tokenizer.chat_template\n"
           "  --pre NAME            tokenizer.ggml.pre (default: detected from tokenizer.json, or smollm)\n"
           "  --name TEXT           general.name\n"
           "  --threads N           quantization threads (default 1)\n"
           "  -h, --help            this text\n";
}

namespace {

uint64_t parse_uint(const std::string& flag, const std::string& v, uint64_t max) {
    if (v.empty() || v[0] == '-' || v[0] == '+') throw std::invalid_argument(flag + ": expected a positive integer, got '" + v + "'");
    errno = 0;
    char* end = nullptr;
    const unsigned long long x = std::strtoull(v.c_str(), &end, 10);
    if (errno || *end != '\0' || x > max)
        throw std::invalid_argument(flag + ": expected an integer up to " + std::to_string(max) + ", got '" + v + "'");
    return x;
}

float parse_positive_float(const std::string& flag, const std::string& v) {
    errno = 0;
    char* end = nullptr;
    const float x = std::strtof(v.c_str(), &end);
    if (v.empty() || errno || *end != '\0' || !(x > 0.0f) || !std::isfinite(x))
        throw std::invalid_argument(flag + ": expected a positive number, got '" + v + "'");
    return x;
}

const GgmlType kWritableTypes[] = {
    GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0,   GgmlType::Q4_1,  GgmlType::Q5_0,
    GgmlType::Q5_1, GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::IQ4_NL,
    GgmlType::IQ4_XS,
};

}  // namespace

WriterCommand parse_writer_args(const std::vector<std::string>& args) {
    WriterCommand cmd;
    ModelSpec& s = cmd.spec;
    const uint64_t u32max = 0xffffffffu;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) throw std::invalid_argument(a + ": missing value");
            return args[++i];
        };
        if (a == "-h" || a == "--help") cmd.help = true;
        else if (a == "-o" || a == "--output") cmd.output = value();
        else if (a == "--dim") s.dim = static_cast<uint32_t>(parse_uint(a, value(), u32max));
        else if (a == "--layers") s.n_layers = static_cast<uint32_t>(parse_uint(a, value(), 4096));
        else if (a == "--heads") s.n_heads = static_cast<uint32_t>(parse_uint(a, value(), u32max));
        else if (a == "--kv-heads") s.n_kv_heads = static_cast<uint32_t>(parse_uint(a, value(), u32max));
        else if (a == "--ffn") s.ffn = static_cast<uint32_t>(parse_uint(a, value(), u32max));
        else if (a == "--vocab") s.vocab = static_cast<uint32_t>(parse_uint(a, value(), u32max));
        else if (a == "--context") s.context = static_cast<uint32_t>(parse_uint(a, value(), u32max));
        else if (a == "--rope-theta") s.rope_theta = parse_positive_float(a, value());
        else if (a == "--rms-eps") s.rms_eps = parse_positive_float(a, value());
        else if (a == "--tied") s.tied = true;
        else if (a == "--untied") s.tied = false;
        else if (a == "--seed") s.seed = parse_uint(a, value(), UINT64_MAX);
        else if (a == "--threads") s.threads = static_cast<uint32_t>(parse_uint(a, value(), 256));
        else if (a == "--tokenizer") s.tokenizer_json = value();
        else if (a == "--chat-template") s.chat_template_file = value();
        else if (a == "--pre") s.pre_tokenizer = value();
        else if (a == "--name") s.name = value();
        else if (a == "--mix") {
            const std::string& v = value();
            if (!weight_mix_from_name(v, &s.mix))
                throw std::invalid_argument("--mix: unknown mix '" + v + "' (q4_k_m, q5_k_m, iq4_xs)");
        } else if (a == "--type") {
            const std::string& v = value();
            GgmlType t;
            bool ok = ggml_type_from_name(v, &t);
            if (ok) {
                ok = false;
                for (GgmlType w : kWritableTypes) ok |= w == t;
            }
            if (!ok)
                throw std::invalid_argument("--type: unknown or unwritable type '" + v +
                                            "' (f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k q6_k "
                                            "iq4_nl iq4_xs)");
            s.weight_type = t;
        } else {
            throw std::invalid_argument(a + ": unknown option (see --help)");
        }
    }
    if (!cmd.help && cmd.output.empty()) throw std::invalid_argument("-o/--output: an output path is required");
    if (s.threads == 0) throw std::invalid_argument("--threads: must be at least 1");
    return cmd;
}

std::string describe_written_model(const std::string& path, const WrittenModel& m) {
    std::map<std::string, uint32_t> by_type;
    for (const auto& t : m.tensors) ++by_type[std::string(ggml_type_name(t.type))];
    std::string types;
    for (const auto& [name, n] : by_type) types += (types.empty() ? "" : ", ") + name + " x" + std::to_string(n);
    return "wrote " + path + ": " + std::to_string(m.tensors.size()) + " tensors, " + std::to_string(m.file_bytes) +
           " bytes, vocab " + std::to_string(m.vocab_size) + ", types: " + types;
}

}  // namespace smollm::tools
