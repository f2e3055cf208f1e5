// The llama model writer: its files parse, carry convert_hf_to_gguf.py's metadata, hold the
// weights it meant (exactly for F32, to type precision otherwise), use the SmolLM2 tokenizer
// exactly as llama.cpp's converter stored it, and follow llama-quantize's per-tensor mixes.
#include <catch.hpp>

#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "gguf/gguf_reader.h"
#include "gguf_compare.h"
#include "gguf_writer/llama_model_writer.h"
#include "quant/quant.h"
#include "test_support.h"

using namespace smollm;
using namespace smollm::tools;

namespace {

ModelSpec small_spec(GgmlType type) {
    ModelSpec s;
    s.dim = 64;
    s.n_layers = 2;
    s.n_heads = 4;
    s.n_kv_heads = 2;
    s.ffn = 128;
    s.vocab = 300;
    s.context = 512;
    s.rope_theta = 50000.0f;
    s.rms_eps = 1e-6f;
    s.weight_type = type;
    s.seed = 7;
    return s;
}

ModelSpec tiny_a_spec() {
    ModelSpec s;
    s.dim = 256;
    s.n_layers = 2;
    s.n_heads = 4;
    s.n_kv_heads = 2;
    s.ffn = 768;
    return s;
}

struct ReadModel {
    std::vector<uint8_t> bytes;
    std::unique_ptr<GgufFile> file;
    const uint8_t* data(const GgufTensorInfo& t) const { return bytes.data() + file->data_offset + t.offset; }
};

ReadModel write_and_read(const ModelSpec& spec, const std::string& name, WrittenModel* written = nullptr) {
    const std::string path = test::temp_path(name);
    WrittenModel w = write_random_llama_model(spec, path);
    ReadModel m;
    m.bytes = test::read_file_bytes(path);
    REQUIRE(w.file_bytes == m.bytes.size());
    m.file = test::parse_complete(m.bytes);
    if (written) *written = std::move(w);
    return m;
}

std::map<std::string, std::string> golden_types(const GgufFile& f) {
    std::map<std::string, std::string> out;
    for (const auto& t : f.tensors) out[t.name] = std::string(ggml_type_name(t.type));
    return out;
}

std::map<std::string, std::string> planned_types(const ModelSpec& spec, uint32_t vocab) {
    std::map<std::string, std::string> out;
    for (const auto& t : plan_llama_tensors(spec, vocab)) out[t.name] = std::string(ggml_type_name(t.type));
    return out;
}

uint64_t meta_u64(const GgufFile& f, const char* key) {
    uint64_t v = 0;
    INFO(key);
    REQUIRE(f.get_u64(key, &v));
    return v;
}

}  // namespace

TEST_CASE("an F32 model holds exactly the planned weights and the llama metadata", "[gguf][writer][model]") {
    const ModelSpec spec = small_spec(GgmlType::F32);
    WrittenModel w;
    ReadModel m = write_and_read(spec, "writer-f32.gguf", &w);
    const GgufFile& f = *m.file;
    CHECK(f.architecture() == "llama");
    CHECK(meta_u64(f, "llama.context_length") == 512);
    CHECK(meta_u64(f, "llama.embedding_length") == 64);
    CHECK(meta_u64(f, "llama.block_count") == 2);
    CHECK(meta_u64(f, "llama.feed_forward_length") == 128);
    CHECK(meta_u64(f, "llama.attention.head_count") == 4);
    CHECK(meta_u64(f, "llama.attention.head_count_kv") == 2);
    CHECK(meta_u64(f, "llama.rope.dimension_count") == 16);
    CHECK(meta_u64(f, "llama.vocab_size") == 300);
    CHECK(meta_u64(f, "general.file_type") == 0);
    CHECK_FALSE(f.find("general.quantization_version"));
    double theta = 0, eps = 0;
    CHECK((f.arch_f64("rope.freq_base", &theta) && theta == 50000.0));
    CHECK((f.arch_f64("attention.layer_norm_rms_epsilon", &eps) && eps == Approx(1e-6)));
    REQUIRE(f.tensors.size() == w.tensors.size());
    REQUIRE(f.tensors.size() == 2 + 9 * 2);
    std::vector<float> row;
    for (const TensorPlan& t : w.tensors) {
        INFO(t.name);
        const GgufTensorInfo* info = f.find_tensor(t.name);
        REQUIRE(info);
        REQUIRE(info->type == GgmlType::F32);
        REQUIRE(info->n_dims == t.ne.size());
        for (size_t d = 0; d < t.ne.size(); ++d) CHECK(info->ne[d] == t.ne[d]);
        row.resize(t.ne[0]);
        for (uint64_t r = 0; r < info->rows(); ++r) {
            random_tensor_row(spec, t, r, row.data());
            REQUIRE(std::memcmp(row.data(), m.data(*info) + r * t.ne[0] * 4, t.ne[0] * 4) == 0);
        }
    }
    // Norms sit near 1, matrices near 0 with 1/sqrt(fan_in) spread.
    const float* norm = reinterpret_cast<const float*>(m.data(*f.find_tensor("blk.0.attn_norm.weight")));
    double mean = 0;
    for (int i = 0; i < 64; ++i) mean += norm[i] / 64.0;
    CHECK(mean == Approx(1.0).margin(0.05));
    const GgufTensorInfo* q = f.find_tensor("blk.1.attn_q.weight");
    const float* qw = reinterpret_cast<const float*>(m.data(*q));
    double sq = 0;
    for (uint64_t i = 0; i < q->n_elements; ++i) sq += qw[i] * qw[i];
    CHECK(std::sqrt(sq / q->n_elements) == Approx(1.0 / 8.0).epsilon(0.05));
}

TEST_CASE("F16 and BF16 models hold the weights rounded to their type", "[gguf][writer][model]") {
    for (GgmlType type : {GgmlType::F16, GgmlType::BF16}) {
        INFO(ggml_type_name(type));
        ModelSpec spec = small_spec(type);
        spec.tied = false;
        WrittenModel w;
        ReadModel m = write_and_read(spec, "writer-half.gguf", &w);
        CHECK(meta_u64(*m.file, "general.file_type") == (type == GgmlType::F16 ? 1u : 32u));
        REQUIRE(m.file->find_tensor("output.weight"));
        std::vector<float> want, got;
        for (const TensorPlan& t : w.tensors) {
            INFO(t.name);
            const GgufTensorInfo* info = m.file->find_tensor(t.name);
            REQUIRE(info->type == (t.role == TensorRole::Norm ? GgmlType::F32 : type));
            if (info->type == GgmlType::F32) continue;
            want.resize(t.ne[0]);
            got.resize(t.ne[0]);
            for (uint64_t r = 0; r < info->rows(); r += 7) {
                random_tensor_row(spec, t, r, want.data());
                dequantize_row(type, m.data(*info) + r * t.ne[0] * 2, got.data(), t.ne[0]);
                for (uint64_t i = 0; i < t.ne[0]; ++i) {
                    const float tol = std::fabs(want[i]) * (type == GgmlType::F16 ? 1.0f / 1024 : 1.0f / 128) + 1e-7f;
                    REQUIRE(std::fabs(got[i] - want[i]) <= tol);
                }
            }
        }
    }
}

TEST_CASE("every single weight type round-trips within its quantization error", "[gguf][writer][model]") {
    // Relative RMS error bounds: a few times what each format gives on Gaussian data.
    const std::pair<GgmlType, double> types[] = {
        {GgmlType::Q8_0, 0.01}, {GgmlType::Q4_0, 0.15}, {GgmlType::Q4_1, 0.15}, {GgmlType::Q5_0, 0.08},
        {GgmlType::Q5_1, 0.08}, {GgmlType::Q2_K, 0.6},  {GgmlType::Q3_K, 0.3},  {GgmlType::Q4_K, 0.15},
        {GgmlType::Q5_K, 0.08}, {GgmlType::Q6_K, 0.04}, {GgmlType::IQ4_NL, 0.15}, {GgmlType::IQ4_XS, 0.15},
    };
    for (const auto& [type, bound] : types) {
        INFO(ggml_type_name(type));
        ModelSpec spec = small_spec(type);
        spec.dim = 256;  // k-quant rows need multiples of 256
        spec.ffn = 512;
        WrittenModel w;
        ReadModel m = write_and_read(spec, "writer-quant.gguf", &w);
        uint64_t ft = 0;
        CHECK(m.file->get_u64("general.file_type", &ft));
        CHECK(meta_u64(*m.file, "general.quantization_version") == 2);
        std::vector<float> want, got;
        for (const TensorPlan& t : w.tensors) {
            if (t.role == TensorRole::Norm) continue;
            INFO(t.name);
            const GgufTensorInfo* info = m.file->find_tensor(t.name);
            REQUIRE(info->type == type);
            const uint64_t row_bytes = info->n_bytes / info->rows();
            want.resize(t.ne[0]);
            got.resize(t.ne[0]);
            double err = 0, ref = 0;
            for (uint64_t r = 0; r < info->rows(); r += 5) {
                random_tensor_row(spec, t, r, want.data());
                dequantize_row(type, m.data(*info) + r * row_bytes, got.data(), t.ne[0]);
                for (uint64_t i = 0; i < t.ne[0]; ++i) {
                    err += (got[i] - want[i]) * (got[i] - want[i]);
                    ref += want[i] * want[i];
                }
            }
            CHECK(std::sqrt(err / ref) < bound);
        }
    }
}

TEST_CASE("the same seed writes the same file and another seed another", "[gguf][writer][model]") {
    ModelSpec spec = small_spec(GgmlType::Q8_0);
    write_random_llama_model(spec, test::temp_path("seed-a.gguf"));
    spec.threads = 3;  // threads split rows; the bytes must not depend on it
    write_random_llama_model(spec, test::temp_path("seed-b.gguf"));
    spec.seed = 8;
    write_random_llama_model(spec, test::temp_path("seed-c.gguf"));
    const auto a = test::read_file_bytes(test::temp_path("seed-a.gguf"));
    CHECK(a == test::read_file_bytes(test::temp_path("seed-b.gguf")));
    CHECK(a != test::read_file_bytes(test::temp_path("seed-c.gguf")));
}

TEST_CASE("the synthetic vocabulary is a valid byte-level BPE vocabulary", "[gguf][writer][tokenizer]") {
    ModelSpec spec = small_spec(GgmlType::F16);
    spec.vocab = 0;
    ReadModel m = write_and_read(spec, "writer-synthetic.gguf");
    const GgufFile& f = *m.file;
    const auto& tokens = *f.get_string_array("tokenizer.ggml.tokens");
    const auto& types = *f.get_int_array("tokenizer.ggml.token_type");
    const auto& merges = *f.get_string_array("tokenizer.ggml.merges");
    REQUIRE(tokens.size() == 512);
    CHECK(meta_u64(f, "llama.vocab_size") == 512);
    CHECK(tokens[0] == "<|endoftext|>");
    CHECK(tokens[1] == "<|im_start|>");
    CHECK(tokens[2] == "<|im_end|>");
    CHECK(types[0] == 3);
    CHECK(types[2] == 3);
    std::set<std::string> vocab(tokens.begin(), tokens.end());
    CHECK(vocab.size() == tokens.size());  // no duplicates
    for (int b = 0; b < 256; ++b) CHECK(vocab.count(byte_to_token_text(static_cast<uint8_t>(b))));
    CHECK(tokens[3 + ' '] == "\xc4\xa0");  // 'Ġ'
    CHECK(merges.size() == 512 - 259);     // the built-in text yields enough merges
    for (const std::string_view view : merges) {
        const std::string mg(view);
        INFO(mg);
        const size_t sp = mg.find(' ');
        REQUIRE(sp != std::string::npos);
        CHECK(vocab.count(mg.substr(0, sp)));
        CHECK(vocab.count(mg.substr(sp + 1)));
        CHECK(vocab.count(mg.substr(0, sp) + mg.substr(sp + 1)));
    }
    std::string model, pre, tmpl;
    CHECK((f.get_string("tokenizer.ggml.model", &model) && model == "gpt2"));
    CHECK((f.get_string("tokenizer.ggml.pre", &pre) && pre == "smollm"));
    CHECK((f.get_string("tokenizer.chat_template", &tmpl) && tmpl == kChatMlTemplate));
    CHECK(meta_u64(f, "tokenizer.ggml.eos_token_id") == 2);
    bool add_bos = true;
    CHECK((f.get_bool("tokenizer.ggml.add_bos_token", &add_bos) && !add_bos));
}

TEST_CASE("a SmolLM2-tokenizer model stores the tokenizer exactly as llama.cpp's converter did", "[gguf][writer][tokenizer]") {
    SMOLLM_REQUIRE_SHARED("smollm2/tokenizer.json");
    SMOLLM_REQUIRE_SHARED("golden/models/tiny-a-Q8_0.gguf");
    ModelSpec spec = tiny_a_spec();
    spec.weight_type = GgmlType::Q8_0;
    spec.context = 8192;
    spec.rope_theta = 100000.0f;
    spec.tokenizer_json = test::shared_path("smollm2/tokenizer.json");
    spec.chat_template_file = test::shared_path("smollm2/chat_template.jinja");
    ReadModel ours = write_and_read(spec, "writer-smollm2.gguf");
    auto golden = test::parse_complete(test::read_file_bytes(test::shared_path("golden/models/tiny-a-Q8_0.gguf")));
    // Every key the converter wrote is there with the same value, except the model's name.
    for (const auto& kv : golden->metadata) {
        INFO(kv.key);
        if (kv.key == "general.name") continue;
        const GgufValue* v = ours.file->find(kv.key);
        REQUIRE(v);
        CHECK(test::first_difference(*v, kv.value) == "");
    }
    CHECK(meta_u64(*ours.file, "tokenizer.ggml.eot_token_id") == 2);
    // Same shapes and the same (pure Q8_0) tensor types as llama-quantize's Q8_0 file.
    CHECK(golden_types(*ours.file) == golden_types(*golden));
    for (const auto& t : golden->tensors) {
        const GgufTensorInfo* o = ours.file->find_tensor(t.name);
        REQUIRE(o);
        CHECK(o->n_elements == t.n_elements);
        CHECK(o->ne[0] == t.ne[0]);
    }
}

TEST_CASE("mixes give every tensor llama-quantize's type for the tiny-a shape", "[gguf][writer][mix]") {
    const std::pair<WeightMix, const char*> mixes[] = {
        {WeightMix::Q4_K_M, "golden/models/tiny-a-Q4_K_M.gguf"},
        {WeightMix::Q5_K_M, "golden/models/tiny-a-Q5_K_M.gguf"},
        {WeightMix::IQ4_XS, "golden/models/tiny-a-IQ4_XS.gguf"},
    };
    for (const auto& [mix, rel] : mixes) {
        SMOLLM_REQUIRE_SHARED(rel);
        INFO(rel);
        auto golden = test::parse_complete(test::read_file_bytes(test::shared_path(rel)));
        ModelSpec spec = tiny_a_spec();
        spec.mix = mix;
        CHECK(planned_types(spec, 49152) == golden_types(*golden));
    }
}

TEST_CASE("a written Q4_K_M file carries the mix's types and file type", "[gguf][writer][mix]") {
    ModelSpec spec = tiny_a_spec();
    spec.mix = WeightMix::Q4_K_M;
    spec.vocab = 1024;
    ReadModel m = write_and_read(spec, "writer-q4km.gguf");
    CHECK(meta_u64(*m.file, "general.file_type") == 15);
    CHECK(golden_types(*m.file) == planned_types(spec, 1024));
    CHECK(m.file->find_tensor("token_embd.weight")->type == GgmlType::Q6_K);
    CHECK(m.file->find_tensor("blk.1.ffn_down.weight")->type == GgmlType::Q6_K);
    CHECK(m.file->find_tensor("blk.0.ffn_down.weight")->type == GgmlType::Q4_K);
}

TEST_CASE("mix rules on the SmolLM2 shapes: more bits per layer and the non-256 fallbacks", "[gguf][writer][mix]") {
    ModelSpec s135;  // SmolLM2-135M: rows of 576 fall back
    s135.dim = 576, s135.n_layers = 30, s135.n_heads = 9, s135.n_kv_heads = 3, s135.ffn = 1536;
    std::set<uint32_t> more_bits_30;
    for (uint32_t i = 0; i < 30; ++i)
        if (i < 3 || i >= 26 || (i - 3) % 3 == 2) more_bits_30.insert(i);
    CHECK(more_bits_30 == std::set<uint32_t>{0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 26, 27, 28, 29});

    s135.mix = WeightMix::Q4_K_M;
    for (const auto& t : plan_llama_tensors(s135, 49152)) {
        INFO(t.name);
        switch (t.role) {
            case TensorRole::TokenEmbd: CHECK(t.type == GgmlType::Q8_0); break;  // 576 % 256: Q8_0
            case TensorRole::Norm: CHECK(t.type == GgmlType::F32); break;
            case TensorRole::AttnV: CHECK(t.type == (more_bits_30.count(t.layer) ? GgmlType::Q8_0 : GgmlType::Q5_0)); break;
            case TensorRole::FfnDown: CHECK(t.type == (more_bits_30.count(t.layer) ? GgmlType::Q6_K : GgmlType::Q4_K)); break;
            default: CHECK(t.type == GgmlType::Q5_0); break;
        }
    }
    s135.mix = WeightMix::Q5_K_M;
    for (const auto& t : plan_llama_tensors(s135, 49152))
        if (t.role == TensorRole::AttnQ) CHECK(t.type == GgmlType::Q5_1);
    s135.mix = WeightMix::IQ4_XS;
    for (const auto& t : plan_llama_tensors(s135, 49152)) {
        INFO(t.name);
        if (t.role == TensorRole::AttnQ) CHECK(t.type == GgmlType::IQ4_NL);
        if (t.role == TensorRole::FfnDown) CHECK(t.type == (t.layer < 3 ? GgmlType::Q5_K : GgmlType::IQ4_XS));
        if (t.role == TensorRole::AttnV) CHECK(t.type == GgmlType::IQ4_NL);  // n_gqa 3 < 4
    }

    ModelSpec s17;  // SmolLM2-1.7B
    s17.dim = 2048, s17.n_layers = 24, s17.n_heads = 32, s17.n_kv_heads = 32, s17.ffn = 8192;
    s17.mix = WeightMix::Q4_K_M;
    std::map<std::string, uint32_t> counts;
    for (const auto& t : plan_llama_tensors(s17, 49152)) ++counts[std::string(ggml_type_name(t.type))];
    // 24 layers: use_more_bits picks 0,1,2,5,8,11,14,17,20,21,22,23 for attn_v and ffn_down.
    CHECK(counts["Q6_K"] == 12 * 2 + 1);
    CHECK(counts["Q4_K"] == 24 * 7 - 12 * 2);
    CHECK(counts["F32"] == 24 * 2 + 1);
    s17.mix = WeightMix::IQ4_XS;
    counts.clear();
    for (const auto& t : plan_llama_tensors(s17, 49152)) ++counts[std::string(ggml_type_name(t.type))];
    CHECK(counts["Q5_K"] == 3);  // ffn_down of layers 0..2
    CHECK(counts["Q6_K"] == 1);
    CHECK(counts["IQ4_XS"] == 24 * 7 - 3);

    ModelSpec gqa4 = tiny_a_spec();  // IQ4_XS gives attn_v Q5_K when 4+ heads share a kv head
    gqa4.n_heads = 8, gqa4.n_kv_heads = 2, gqa4.mix = WeightMix::IQ4_XS;
    for (const auto& t : plan_llama_tensors(gqa4, 512))
        if (t.role == TensorRole::AttnV) CHECK(t.type == GgmlType::Q5_K);

    ModelSpec untied = tiny_a_spec();
    untied.tied = false, untied.mix = WeightMix::Q4_K_M;
    for (const auto& t : plan_llama_tensors(untied, 512)) {
        if (t.role == TensorRole::TokenEmbd) CHECK(t.type == GgmlType::Q4_K);
        if (t.role == TensorRole::Output) CHECK(t.type == GgmlType::Q6_K);
    }

    ModelSpec single = s135;  // single types fall back the same way
    single.mix = WeightMix::None;
    const std::pair<GgmlType, GgmlType> fallbacks[] = {
        {GgmlType::Q4_K, GgmlType::Q5_0}, {GgmlType::Q5_K, GgmlType::Q5_1}, {GgmlType::Q6_K, GgmlType::Q8_0},
        {GgmlType::IQ4_XS, GgmlType::IQ4_NL}, {GgmlType::Q2_K, GgmlType::IQ4_NL}, {GgmlType::Q3_K, GgmlType::IQ4_NL},
        {GgmlType::Q4_0, GgmlType::Q4_0}};
    for (const auto& [from, to] : fallbacks) {
        single.weight_type = from;
        CHECK(plan_llama_tensors(single, 49152)[1 + 1].type == to);  // blk.0.attn_q
    }
}

TEST_CASE("bad model specs and tokenizer inputs fail with the cause", "[gguf][writer][model]") {
    ModelSpec s = small_spec(GgmlType::F16);
    s.n_heads = 5;
    CHECK_THROWS_WITH(validate_model_spec(s), Catch::Contains("dim 64 is not divisible by the head count 5"));
    s = small_spec(GgmlType::F16);
    s.n_kv_heads = 3;
    CHECK_THROWS_WITH(validate_model_spec(s), Catch::Contains("not a multiple of the kv head count 3"));
    s = small_spec(GgmlType::F16);
    s.vocab = 100;
    CHECK_THROWS_WITH(write_random_llama_model(s, test::temp_path("bad.gguf")), Catch::Contains("at least 259 tokens"));
    s = small_spec(GgmlType::Q4_0);
    s.dim = 48, s.n_heads = 4, s.n_kv_heads = 4;
    CHECK_THROWS_WITH(plan_llama_tensors(s, 300), Catch::Contains("tensor 'token_embd.weight': row length 48"));
    s = small_spec(GgmlType::F16);
    s.tokenizer_json = "/nonexistent/tokenizer.json";
    CHECK_THROWS_WITH(write_random_llama_model(s, test::temp_path("bad.gguf")),
                      Catch::Contains("cannot read tokenizer file /nonexistent/tokenizer.json"));
    s = small_spec(GgmlType::F16);
    s.chat_template_file = "/nonexistent/t.jinja";
    CHECK_THROWS_WITH(write_random_llama_model(s, test::temp_path("bad.gguf")), Catch::Contains("/nonexistent/t.jinja"));
    SMOLLM_REQUIRE_SHARED("smollm2/tokenizer.json");
    s = small_spec(GgmlType::F16);
    s.tokenizer_json = test::shared_path("smollm2/tokenizer.json");
    s.vocab = 1000;
    CHECK_THROWS_WITH(write_random_llama_model(s, test::temp_path("bad.gguf")),
                      Catch::Contains("vocabulary size 1000 is smaller than the tokenizer's 49152 tokens"));
    s = small_spec(GgmlType::F16);
    CHECK_THROWS_WITH(write_random_llama_model(s, "/nonexistent-dir/x.gguf"), Catch::Contains("cannot create"));
}
