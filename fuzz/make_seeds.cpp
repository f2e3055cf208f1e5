// Writes the GGUF reader's seed corpus: for each GGUF given, its first 4 KiB and its whole
// header and file (when small enough to be useful seeds), plus small synthetic files
// from the hostile tests' builder that reach every value type and a complete tensor table.
//   make_seeds OUT_DIR [FILE.gguf ...]
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gguf/gguf_reader.h"
#include "gguf_bytes.h"
#include "tiny_llama.h"

using namespace smollm::hostile;
using smollm::GgufValueType;

namespace {

// The fuzzer's -max_len: a header's structure (every field kind, a tensor table) fits in it,
// and short inputs keep the executions fast.
constexpr uint64_t kSeedMax = 4 * 1024;

void write_seed(const std::string& dir, const std::string& name, const uint8_t* p, size_t n) {
    std::ofstream out(dir + "/" + name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(p), static_cast<std::streamsize>(n));
    if (!out) {
        std::fprintf(stderr, "make_seeds: cannot write %s/%s\n", dir.c_str(), name.c_str());
        std::exit(1);
    }
}

void write_seed(const std::string& dir, const std::string& name, const std::vector<uint8_t>& b) {
    write_seed(dir, name, b.data(), b.size());
}

std::vector<uint8_t> every_value_type(uint32_t version) {
    GgufSpec spec;
    spec.version = version;
    GgufBytes b;
    auto typed = [](GgufValueType t, auto v) {
        GgufBytes x;
        x.u32(static_cast<uint32_t>(t));
        x.raw(&v, sizeof v);
        return x.out;
    };
    spec.set("u8", typed(GgufValueType::UINT8, uint8_t{200}));
    spec.set("i8", typed(GgufValueType::INT8, int8_t{-3}));
    spec.set("u16", typed(GgufValueType::UINT16, uint16_t{60000}));
    spec.set("i16", typed(GgufValueType::INT16, int16_t{-300}));
    spec.set("u32", typed_u32(4000000000u));
    spec.set("i32", typed(GgufValueType::INT32, int32_t{-70000}));
    spec.set("f32", typed_f32(0.5f));
    spec.set("bool", typed_bool(true));
    spec.set("str", typed_str("h\xC3\xA9llo"));
    spec.set("u64", typed_u64(1ull << 40));
    spec.set("i64", typed(GgufValueType::INT64, int64_t{-(1ll << 40)}));
    spec.set("f64", typed(GgufValueType::FLOAT64, 0.25));
    spec.set("general.alignment", typed_u32(64));
    spec.alignment = 64;
    spec.set("strs", typed_str_array({"a", "", "<|im_start|>"}));
    spec.set("ints", typed_i32_array({1, -2, 3}));
    spec.set("floats", typed_f32_array({1.5f, -0.0f}));
    GgufBytes nested;
    nested.u32(static_cast<uint32_t>(GgufValueType::ARRAY));
    nested.u32(static_cast<uint32_t>(GgufValueType::ARRAY));
    nested.u64(2);
    for (int k = 0; k < 2; ++k) {
        nested.u32(static_cast<uint32_t>(GgufValueType::UINT8));
        nested.u64(2);
        nested.u8(1);
        nested.u8(2);
    }
    spec.set("nested", nested.out);
    spec.tensors.push_back({"t.f16", {64, 2}, 1, std::vector<uint8_t>(64 * 2 * 2, 0)});
    spec.tensors.push_back({"t.q8_0", {32, 1}, 8, std::vector<uint8_t>(34, 0)});
    spec.tensors.push_back({"t.q4_k", {256}, 12, std::vector<uint8_t>(144, 0)});
    return write_gguf(spec);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: make_seeds OUT_DIR [FILE.gguf ...]\n");
        return 2;
    }
    const std::string dir = argv[1];
    int written = 0;
    for (int i = 2; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "make_seeds: cannot open %s\n", argv[i]);
            return 1;
        }
        const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::string base = argv[i];
        base = base.substr(base.find_last_of('/') + 1);
        write_seed(dir, base + ".head4k", bytes.data(), std::min<uint64_t>(bytes.size(), kSeedMax));
        ++written;
        const smollm::GgufParseResult r = smollm::gguf_parse(bytes.data(), bytes.size(), bytes.size());
        if (r.status == smollm::GgufParseResult::Status::Complete && r.file->data_offset <= kSeedMax) {
            write_seed(dir, base + ".header", bytes.data(), r.file->data_offset);
            ++written;
        }
        if (bytes.size() <= kSeedMax) {
            write_seed(dir, base + ".whole", bytes);
            ++written;
        }
    }
    for (uint32_t v : {2u, 3u}) {
        write_seed(dir, "every-value-type-v" + std::to_string(v) + ".gguf", every_value_type(v));
        ++written;
    }
    TinyLlamaShape shape;
    shape.dim = 4;
    shape.heads = 2;
    shape.kv_heads = 1;
    shape.ffn = 4;
    GgufLayout layout;
    const std::vector<uint8_t> tied = write_gguf(tiny_llama_spec(shape), &layout);
    write_seed(dir, "tiny-llama-tied.gguf", tied);
    write_seed(dir, "tiny-llama-tied.header", tied.data(), layout.data_offset);
    shape.tied = false;
    shape.layers = 2;
    write_seed(dir, "tiny-llama-untied.gguf", write_gguf(tiny_llama_spec(shape)));
    written += 3;

    // Small enough for the fuzzer's length limit while still a whole model the tokenizer and
    // plan_memory accept: 8 tokens instead of 259.
    TinyLlamaShape mini = shape;
    mini.tied = true;
    mini.layers = 1;
    GgufSpec spec = tiny_llama_spec(mini);
    const std::vector<std::string> tokens = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "a", "b", "ab", "\xC4\xA0", "c"};
    spec.set("tokenizer.ggml.tokens", typed_str_array(tokens));
    spec.set("tokenizer.ggml.token_type", typed_i32_array({3, 3, 3, 1, 1, 1, 1, 1}));
    spec.set("tokenizer.ggml.merges", typed_str_array({"a b"}));
    spec.set("llama.vocab_size", typed_u32(8));
    TensorEntry* embd = spec.tensor("token_embd.weight");
    embd->ne = {mini.dim, 8};
    embd->data.assign(mini.dim * 8 * 4, 0);
    write_seed(dir, "mini-vocab.gguf", write_gguf(spec));
    ++written;
    std::printf("make_seeds: %d seeds in %s\n", written, dir.c_str());
    return 0;
}
