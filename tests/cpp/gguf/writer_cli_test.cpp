// gguf_writer's flags map onto the model spec, and bad command lines fail naming the flag.
#include <catch.hpp>

#include "gguf_writer/writer_cli.h"

using namespace smollm;
using namespace smollm::tools;

TEST_CASE("gguf_writer flags set every field of the model spec", "[gguf][writer][cli]") {
    const WriterCommand c = parse_writer_args({"-o", "out.gguf", "--dim", "576", "--layers", "30", "--heads", "9",
                                               "--kv-heads", "3", "--ffn", "1536", "--vocab", "49152", "--context",
                                               "8192", "--rope-theta", "100000", "--rms-eps", "1e-6", "--untied",
                                               "--seed", "18446744073709551615", "--type", "q6_k", "--tokenizer",
                                               "tok.json", "--chat-template", "t.jinja", "--pre", "gpt2", "--name",
                                               "m", "--threads", "2"});
    CHECK(c.output == "out.gguf");
    CHECK_FALSE(c.help);
    const ModelSpec& s = c.spec;
    CHECK(s.dim == 576);
    CHECK(s.n_layers == 30);
    CHECK(s.n_heads == 9);
    CHECK(s.n_kv_heads == 3);
    CHECK(s.ffn == 1536);
    CHECK(s.vocab == 49152);
    CHECK(s.context == 8192);
    CHECK(s.rope_theta == 100000.0f);
    CHECK(s.rms_eps == 1e-6f);
    CHECK_FALSE(s.tied);
    CHECK(s.seed == UINT64_MAX);
    CHECK(s.weight_type == GgmlType::Q6_K);
    CHECK(s.mix == WeightMix::None);
    CHECK(s.tokenizer_json == "tok.json");
    CHECK(s.chat_template_file == "t.jinja");
    CHECK(s.pre_tokenizer == "gpt2");
    CHECK(s.name == "m");
    CHECK(s.threads == 2);

    const WriterCommand mix = parse_writer_args({"--mix", "IQ4_XS", "--output", "x.gguf", "--tied"});
    CHECK(mix.spec.mix == WeightMix::IQ4_XS);
    CHECK(mix.spec.tied);
    for (const char* t : {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k", "q4_k", "q5_k",
                          "q6_k", "iq4_nl", "iq4_xs"}) {
        INFO(t);
        GgmlType want;
        REQUIRE(ggml_type_from_name(t, &want));
        CHECK(parse_writer_args({"-o", "x", "--type", t}).spec.weight_type == want);
    }
    CHECK(parse_writer_args({"--help"}).help);
}

TEST_CASE("gguf_writer rejects bad command lines naming the flag", "[gguf][writer][cli]") {
    using V = std::vector<std::string>;
    CHECK_THROWS_WITH(parse_writer_args(V{"--dim", "64"}), Catch::Contains("-o/--output: an output path is required"));
    CHECK_THROWS_WITH(parse_writer_args(V{"-o", "x", "--dim"}), Catch::Contains("--dim: missing value"));
    CHECK_THROWS_WITH(parse_writer_args(V{"-o", "x", "--dim", "-5"}), Catch::Contains("--dim: expected a positive integer"));
    CHECK_THROWS_WITH(parse_writer_args(V{"-o", "x", "--dim", "12x"}), Catch::Contains("--dim: expected an integer"));
    CHECK_THROWS_WITH(parse_writer_args(V{"-o", "x", "--dim", "99999999999"}), Catch::Contains("--dim"));
    CHECK_THROWS_WITH(parse_writer_args(V{"-o", "x", "--rope-theta", "0"}), Catch::Contains("--rope-theta: expected a positive number"));
    CHECK_THROWS_WITH(parse_writer_args(V{"-o", "x", "--rms-eps", "nan"}), Catch::Contains("--rms-eps"));
    CHECK_THROWS_WITH(parse_writer_args(V{"-o", "x", "--type", "q4_k_m"}), Catch::Contains("--type: unknown or unwritable type 'q4_k_m'"));
    CHECK_THROWS_WITH(parse_writer_args(V{"-o", "x", "--type", "iq2_xxs"}), Catch::Contains("--type: unknown or unwritable"));
    CHECK_THROWS_WITH(parse_writer_args(V{"-o", "x", "--mix", "q3_k_m"}), Catch::Contains("--mix: unknown mix 'q3_k_m'"));
    CHECK_THROWS_WITH(parse_writer_args(V{"-o", "x", "--threads", "0"}), Catch::Contains("--threads"));
    CHECK_THROWS_WITH(parse_writer_args(V{"-o", "x", "--frobnicate"}), Catch::Contains("--frobnicate: unknown option"));
}

TEST_CASE("the usage text lists every flag the parser accepts", "[gguf][writer][cli]") {
    const std::string usage = writer_usage();
    for (const char* flag : {"--output", "--dim", "--layers", "--heads", "--kv-heads", "--ffn", "--vocab", "--context",
                             "--rope-theta", "--rms-eps", "--tied", "--untied", "--seed", "--type", "--mix",
                             "--tokenizer", "--chat-template", "--pre", "--name", "--threads", "--help"})
        CHECK(usage.find(flag) != std::string::npos);
}
