// Every shared GGUF (llama.cpp's own output) parses, with the tensors and metadata that
// llama.cpp's gguf-py saw in them (dequant-golden.json) and the published model shapes.
#include <catch.hpp>

#include <string>
#include <vector>

#include "gguf/gguf_reader.h"
#include "gguf_compare.h"
#include "util/json_value.h"
#include "test_support.h"

using namespace smollm;
using smollm::test::shared_path;

namespace {

const char* const kModelFiles[] = {
    "tiny-a-IQ4_XS.gguf", "tiny-a-Q4_K_M.gguf", "tiny-a-Q5_K_M.gguf", "tiny-a-Q8_0.gguf", "tiny-a-ZOO.gguf",
    "tiny-py-F16.gguf",   "tiny-py-IQ4_XS.gguf", "tiny-py-Q4_K_M.gguf", "tiny-py-Q5_K_M.gguf",
};

uint64_t arch_u64_or_fail(const GgufFile& f, const char* suffix) {
    uint64_t v = 0;
    INFO("llama." << suffix);
    REQUIRE(f.arch_u64(suffix, &v));
    return v;
}

// Layout facts every well-formed file obeys, whatever wrote it.
void check_data_layout(const GgufFile& f) {
    REQUIRE(f.data_offset % f.alignment == 0);
    REQUIRE(f.data_offset + f.data_size <= f.file_size);
    uint64_t total = 0;
    for (const auto& t : f.tensors) {
        uint64_t bytes = 0;
        REQUIRE(ggml_bytes_for(t.type, t.n_elements, &bytes));
        CHECK(bytes == t.n_bytes);
        CHECK(t.offset % f.alignment == 0);
        total += t.n_bytes;
    }
    CHECK(total <= f.data_size);
}

}  // namespace

TEST_CASE("every shared model file parses with llama hyperparameters and the SmolLM2 vocabulary", "[gguf][golden]") {
    for (const char* name : kModelFiles) {
        const std::string rel = std::string("golden/models/") + name;
        SMOLLM_REQUIRE_SHARED(rel);
        INFO(name);
        const auto bytes = test::read_file_bytes(shared_path(rel));
        auto f = test::parse_complete(bytes);
        CHECK(f->architecture() == "llama");
        CHECK((f->version == 2 || f->version == 3));
        check_data_layout(*f);

        const bool tiny_py = std::string(name).rfind("tiny-py", 0) == 0;
        CHECK(arch_u64_or_fail(*f, "embedding_length") == 256);
        CHECK(arch_u64_or_fail(*f, "block_count") == (tiny_py ? 6u : 2u));
        CHECK(arch_u64_or_fail(*f, "attention.head_count") == 4);
        CHECK(arch_u64_or_fail(*f, "attention.head_count_kv") == 2);
        CHECK(arch_u64_or_fail(*f, "feed_forward_length") == 768);
        CHECK(arch_u64_or_fail(*f, "context_length") > 0);
        double eps = 0, theta = 0;
        REQUIRE(f->arch_f64("attention.layer_norm_rms_epsilon", &eps));
        CHECK(eps == Approx(1e-5));
        if (tiny_py) {
            REQUIRE(f->arch_f64("rope.freq_base", &theta));
            CHECK(theta == 100000.0);
        }

        std::string model, pre;
        REQUIRE(f->get_string("tokenizer.ggml.model", &model));
        CHECK(model == "gpt2");
        REQUIRE(f->get_string("tokenizer.ggml.pre", &pre));
        CHECK(pre == "smollm");
        const auto* tokens = f->get_string_array("tokenizer.ggml.tokens");
        const auto* types = f->get_int_array("tokenizer.ggml.token_type");
        const auto* merges = f->get_string_array("tokenizer.ggml.merges");
        REQUIRE(tokens);
        REQUIRE(types);
        REQUIRE(merges);
        CHECK(tokens->size() == 49152);
        CHECK(types->size() == 49152);
        CHECK(merges->size() > 40000);
        CHECK((*tokens)[0] == "<|endoftext|>");
        CHECK((*tokens)[1] == "<|im_start|>");
        CHECK((*tokens)[2] == "<|im_end|>");
        CHECK((*merges)[0].find(' ') != std::string::npos);

        // Tied embeddings: no output.weight, and the per-layer tensors are all there.
        CHECK(f->find_tensor("token_embd.weight"));
        CHECK(f->find_tensor("output_norm.weight"));
        CHECK_FALSE(f->find_tensor("output.weight"));
        const uint64_t layers = arch_u64_or_fail(*f, "block_count");
        CHECK(f->tensors.size() == 2 + 9 * layers);
        const GgufTensorInfo* q = f->find_tensor("blk.0.attn_q.weight");
        REQUIRE(q);
        CHECK(q->n_dims == 2);
        CHECK(q->ne[0] == 256);
        CHECK(q->ne[1] == 256);
        const GgufTensorInfo* k = f->find_tensor("blk.0.attn_k.weight");
        REQUIRE(k);
        CHECK(k->ne[1] == 128);  // 2 kv heads of 64
        const GgufTensorInfo* emb = f->find_tensor("token_embd.weight");
        CHECK(emb->ne[0] == 256);
        CHECK(emb->ne[1] == 49152);
    }
}

TEST_CASE("tiny-a tensors match llama.cpp's gguf-py listing in dequant-golden.json", "[gguf][golden]") {
    SMOLLM_REQUIRE_SHARED("golden/dequant-golden.json");
    const auto golden = json_parse(test::read_file_text(shared_path("golden/dequant-golden.json")));
    const auto& files = golden.at("files");
    REQUIRE(files.object.size() == 5);
    for (const auto& [file_name, tensors] : files.object) {
        const std::string rel = "golden/models/" + file_name;
        SMOLLM_REQUIRE_SHARED(rel);
        INFO(file_name);
        auto f = test::parse_complete(test::read_file_bytes(shared_path(rel)));
        REQUIRE(tensors.array.size() == f->tensors.size());
        for (const auto& t : tensors.array) {
            const std::string& tname = t.at("name").as_string();
            INFO(tname);
            const GgufTensorInfo* info = f->find_tensor(tname);
            REQUIRE(info);
            CHECK(std::string(ggml_type_name(info->type)) == t.at("type").as_string());
            const auto& shape = t.at("shape").array;
            REQUIRE(shape.size() == info->n_dims);
            for (size_t d = 0; d < shape.size(); ++d) CHECK(info->ne[d] == static_cast<uint64_t>(shape[d].as_int()));
        }
    }
}

TEST_CASE("the ZOO file holds the documented type of every weight matrix", "[gguf][golden]") {
    SMOLLM_REQUIRE_SHARED("golden/models/tiny-a-ZOO.gguf");
    auto f = test::parse_complete(test::read_file_bytes(shared_path("golden/models/tiny-a-ZOO.gguf")));
    const std::pair<const char*, GgmlType> expected[] = {
        {"blk.0.attn_q.weight", GgmlType::Q4_0},      {"blk.0.attn_k.weight", GgmlType::Q4_1},
        {"blk.0.attn_v.weight", GgmlType::Q5_0},      {"blk.0.attn_output.weight", GgmlType::Q5_1},
        {"blk.0.ffn_gate.weight", GgmlType::Q2_K},    {"blk.0.ffn_up.weight", GgmlType::Q3_K},
        {"blk.0.ffn_down.weight", GgmlType::IQ4_NL},  {"blk.1.attn_q.weight", GgmlType::Q4_K},
        {"blk.1.attn_k.weight", GgmlType::Q5_K},      {"blk.1.attn_v.weight", GgmlType::Q6_K},
        {"blk.1.attn_output.weight", GgmlType::IQ4_XS}, {"blk.1.ffn_gate.weight", GgmlType::F16},
        {"blk.1.ffn_up.weight", GgmlType::BF16},      {"blk.1.ffn_down.weight", GgmlType::Q8_0},
        {"token_embd.weight", GgmlType::Q8_0},
    };
    for (const auto& [name, type] : expected) {
        INFO(name);
        const GgufTensorInfo* t = f->find_tensor(name);
        REQUIRE(t);
        CHECK(ggml_type_name(t->type) == ggml_type_name(type));
    }
}

TEST_CASE("llama.cpp's vocabulary-only test files parse", "[gguf][golden]") {
    const char* const files[] = {"golden/vocab/ggml-vocab-llama-bpe.gguf", "golden/vocab/ggml-vocab-llama-spm.gguf"};
    for (const char* rel : files) {
        SMOLLM_REQUIRE_SHARED(rel);
        INFO(rel);
        auto f = test::parse_complete(test::read_file_bytes(shared_path(rel)));
        const bool spm = std::string(rel).find("spm") != std::string::npos;
        std::string model;
        REQUIRE(f->get_string("tokenizer.ggml.model", &model));
        CHECK(model == (spm ? "llama" : "gpt2"));
        const auto* tokens = f->get_string_array("tokenizer.ggml.tokens");
        REQUIRE(tokens);
        CHECK(tokens->size() == (spm ? 32000u : 128256u));
        const auto* types = f->get_int_array("tokenizer.ggml.token_type");
        REQUIRE(types);
        CHECK(types->size() == tokens->size());
        if (spm) {
            const auto* scores = f->get_float_array("tokenizer.ggml.scores");
            REQUIRE(scores);
            CHECK(scores->size() == tokens->size());
        } else {
            const auto* merges = f->get_string_array("tokenizer.ggml.merges");
            REQUIRE(merges);
            CHECK(merges->size() > 100000);
        }
        uint64_t bos = 0;
        CHECK(f->get_u64("tokenizer.ggml.bos_token_id", &bos));
        CHECK(bos < tokens->size());
    }
}
