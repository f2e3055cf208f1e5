// Quantizer quality on a trained model: every tensor of tiny-py-F16 quantized with our
// quantizers to the type llama.cpp chose for it in its Q4_K_M, Q5_K_M and IQ4_XS files. Our
// RMSE against the F16 source is printed beside llama.cpp's (from its files) and must be
// within 10% of it, per tensor. The types those files do not hold get their RMSE printed.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "quant/quant.h"
#include "quant_test_util.h"
#include "test_support.h"

using namespace smollm;
using namespace smollm::test;

namespace {

double rmse(const std::vector<float>& a, const std::vector<float>& b, size_t n) {
    double se = 0;
    for (size_t i = 0; i < n; ++i) se += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    return std::sqrt(se / static_cast<double>(n));
}

// Our quantize -> dequantize of the first `rows` rows of a tensor given as f32; the quantized
// bytes go to `bytes` when it is given.
std::vector<float> our_roundtrip(GgmlType t, const std::vector<float>& src, int64_t row_len, int64_t rows,
                                 std::vector<uint8_t>* bytes = nullptr) {
    uint64_t row_bytes = 0;
    REQUIRE(ggml_bytes_for(t, static_cast<uint64_t>(row_len), &row_bytes));
    std::vector<uint8_t> q(row_bytes * rows);
    std::vector<float> out(static_cast<size_t>(row_len * rows));
    for (int64_t r = 0; r < rows; ++r) {
        quantize_row(t, src.data() + r * row_len, q.data() + r * row_bytes, row_len, nullptr);
        dequantize_row(t, q.data() + r * row_bytes, out.data() + r * row_len, row_len);
    }
    if (bytes) *bytes = std::move(q);
    return out;
}

}  // namespace

TEST_CASE("our quantizers match llama.cpp's error on a trained model", "[quant][quality]") {
    SMOLLM_REQUIRE_SHARED("golden/models/tiny-py-F16.gguf");
    const LoadedGguf source = load_gguf(shared_path("golden/models/tiny-py-F16.gguf"));
    std::map<std::string, std::vector<float>> f32;  // source tensors, dequantized once
    for (const GgufTensorInfo& t : source.file->tensors)
        if (t.n_dims == 2) f32.emplace(t.name, dequantize_tensor(source, t));

    std::printf("\nQuantizer RMSE vs tiny-py-F16 (ours | llama.cpp | ratio)\n");
    int compared = 0, identical = 0;
    for (const char* variant : {"Q4_K_M", "Q5_K_M", "IQ4_XS"}) {
        const std::string file = std::string("golden/models/tiny-py-") + variant + ".gguf";
        SMOLLM_REQUIRE_SHARED(file);
        const LoadedGguf theirs = load_gguf(shared_path(file));
        for (const GgufTensorInfo& t : theirs.file->tensors) {
            if (t.type == GgmlType::F32 || t.type == GgmlType::F16 || !f32.count(t.name)) continue;
            const std::vector<float>& src = f32.at(t.name);
            const double llama_rmse = rmse(dequantize_tensor(theirs, t), src, src.size());
            std::vector<uint8_t> our_bytes;
            const double our_rmse = rmse(our_roundtrip(t.type, src, static_cast<int64_t>(t.ne[0]),
                                                       static_cast<int64_t>(t.rows()), &our_bytes), src, src.size());
            if (our_bytes.size() == t.n_bytes && std::memcmp(our_bytes.data(), theirs.tensor_data(t), t.n_bytes) == 0)
                ++identical;
            const double ratio = our_rmse / llama_rmse;
            std::printf("  %-7s %-26s %-7s %.6e | %.6e | %.4f\n", variant, t.name.c_str(),
                        std::string(ggml_type_name(t.type)).c_str(), our_rmse, llama_rmse, ratio);
            INFO(variant << " " << t.name << " " << ggml_type_name(t.type) << ": ours " << our_rmse << " llama.cpp " << llama_rmse);
            CHECK(our_rmse <= 1.10 * llama_rmse);
            ++compared;
        }
    }
    CHECK(compared > 0);
    // Not required (llama.cpp may be built with FMA contraction), but worth knowing.
    std::printf("Byte-identical to llama-quantize's tensors: %d of %d\n", identical, compared);

    // The types the three files do not hold: our RMSE over every matrix (the first 4096 rows
    // of each, which bounds the time spent on the 49152-row embedding).
    std::printf("Other types, RMSE over every matrix (first 4096 rows each):\n");
    for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q4_0, GgmlType::Q4_1,
                          GgmlType::IQ4_NL, GgmlType::Q3_K, GgmlType::Q2_K, GgmlType::BF16}) {
        double se = 0;
        size_t n = 0;
        for (const auto& [name, src] : f32) {
            const GgufTensorInfo* t = source.file->find_tensor(name);
            const int64_t rows = std::min<int64_t>(4096, static_cast<int64_t>(t->rows()));
            const size_t count = static_cast<size_t>(rows * t->ne[0]);
            const double r = rmse(our_roundtrip(type, src, static_cast<int64_t>(t->ne[0]), rows), src, count);
            se += r * r * static_cast<double>(count);
            n += count;
        }
        const double total = std::sqrt(se / static_cast<double>(n));
        std::printf("  %-7s %.6e\n", std::string(ggml_type_name(type)).c_str(), total);
        CHECK(std::isfinite(total));
    }
}
