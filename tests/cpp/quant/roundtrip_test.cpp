// Quantize -> dequantize error bounds per type on seeded Gaussian data, f16/bf16 conversion
// against the hardware-independent definition, and clear errors for bad arguments.
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "quant/fp16.h"
#include "quant/quant.h"
#include "quant_test_util.h"
#include "test_support.h"

using namespace smollm;
using namespace smollm::test;

TEST_CASE("f16 conversion is exact both ways and rounds to nearest even", "[quant][fp16]") {
    using namespace smollm::quant;
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = fp16_to_fp32(static_cast<uint16_t>(h));
        if (std::isnan(f)) {
            CHECK((fp32_to_fp16(f) & 0x7c00) == 0x7c00);
            continue;
        }
        REQUIRE(fp32_to_fp16(f) == h);
        // The midpoint to the next half rounds to the even one of the two.
        const uint16_t next = static_cast<uint16_t>(h + 1);
        if ((h & 0x7fff) < 0x7bff) {
            const double mid = (static_cast<double>(f) + fp16_to_fp32(next)) / 2;
            const float mid_f = static_cast<float>(mid);
            if (static_cast<double>(mid_f) == mid) {
                const uint16_t r = fp32_to_fp16(mid_f);
                REQUIRE(r == ((h & 1) ? next : h));
            }
        }
    }
    CHECK(fp32_to_fp16(65520.f) == 0x7c00);
    CHECK(fp32_to_fp16(65519.f) == 0x7bff);
    CHECK(fp32_to_fp16(1e-8f) == 0x0000);
    CHECK(fp32_to_fp16(-std::numeric_limits<float>::infinity()) == 0xfc00);
    CHECK(bf16_to_fp32(fp32_to_bf16(1.00390625f)) == 1.0f);      // tie -> even
    CHECK(bf16_to_fp32(fp32_to_bf16(1.01171875f)) == 1.015625f); // tie -> even (up)
}

TEST_CASE("quantize -> dequantize stays within each type's error bound", "[quant][roundtrip]") {
    // RMSE relative to the data's RMS; bounds sit ~15% above what these (llama.cpp's)
    // quantizers reach on Gaussian data, so a broken search or packing fails loudly. Closeness
    // to llama.cpp's own error is the quality test's job.
    const struct { GgmlType type; double max_rel_rmse; } cases[] = {
        {GgmlType::F32, 0.0},      {GgmlType::F16, 5e-4},     {GgmlType::BF16, 4e-3},
        {GgmlType::Q8_0, 0.006},   {GgmlType::Q6_K, 0.020},   {GgmlType::Q5_1, 0.044},
        {GgmlType::Q5_0, 0.049},   {GgmlType::Q5_K, 0.042},   {GgmlType::Q4_1, 0.090},
        {GgmlType::Q4_0, 0.099},   {GgmlType::Q4_K, 0.082},   {GgmlType::IQ4_NL, 0.088},
        {GgmlType::IQ4_XS, 0.088}, {GgmlType::Q3_K, 0.174},   {GgmlType::Q2_K, 0.34},
    };
    std::mt19937 rng(42);
    const int64_t n = 256 * 64;
    std::vector<float> src(n);
    std::normal_distribution<float> normal(0.f, 0.02f);
    for (auto& v : src) v = normal(rng);
    double rms = 0;
    for (float v : src) rms += static_cast<double>(v) * v;
    rms = std::sqrt(rms / n);
    for (const auto& c : cases) {
        uint64_t bytes = 0;
        REQUIRE(ggml_bytes_for(c.type, n, &bytes));
        std::vector<uint8_t> q(bytes);
        std::vector<float> back(n);
        quantize_row(c.type, src.data(), q.data(), n, nullptr);
        dequantize_row(c.type, q.data(), back.data(), n);
        double se = 0;
        for (int64_t i = 0; i < n; ++i) se += (static_cast<double>(back[i]) - src[i]) * (static_cast<double>(back[i]) - src[i]);
        const double rel = std::sqrt(se / n) / rms;
        INFO(ggml_type_name(c.type) << " relative RMSE " << rel);
        CHECK(rel <= c.max_rel_rmse);
        // Quantizing the dequantized values again must not drift further (idempotent enough).
        std::vector<uint8_t> q2(bytes);
        quantize_row(c.type, back.data(), q2.data(), n, nullptr);
        std::vector<float> back2(n);
        dequantize_row(c.type, q2.data(), back2.data(), n);
        double se2 = 0;
        for (int64_t i = 0; i < n; ++i) se2 += (static_cast<double>(back2[i]) - back[i]) * (static_cast<double>(back2[i]) - back[i]);
        CHECK(std::sqrt(se2 / n) / rms <= c.max_rel_rmse);
    }
}

TEST_CASE("all-zero and constant rows quantize to exact values", "[quant][roundtrip]") {
    for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K,
                       GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS}) {
        INFO(ggml_type_name(t));
        const int64_t n = 512;
        uint64_t bytes = 0;
        REQUIRE(ggml_bytes_for(t, n, &bytes));
        std::vector<uint8_t> q(bytes);
        std::vector<float> zeros(n, 0.f), back(n, 1.f);
        quantize_row(t, zeros.data(), q.data(), n, nullptr);
        dequantize_row(t, q.data(), back.data(), n);
        for (float v : back) REQUIRE(v == 0.f);
    }
}

TEST_CASE("bad arguments give errors naming the cause", "[quant][errors]") {
    std::vector<float> x(64, 1.f);
    std::vector<uint8_t> out(1024);
    CHECK_THROWS_WITH(quantize_row(GgmlType::Q4_K, x.data(), out.data(), 64, nullptr),
                      Catch::Contains("not a multiple of the Q4_K block size"));
    CHECK_THROWS_WITH(quantize_row(GgmlType::IQ2_XXS, x.data(), out.data(), 256, nullptr), Catch::Contains("unsupported type IQ2_XXS"));
    CHECK_THROWS_WITH(dequantize_row(GgmlType::Q8_1, out.data(), x.data(), 32), Catch::Contains("unsupported type Q8_1"));
    CHECK_THROWS_WITH(activation_row_bytes(GgmlType::Q6_K, 100), Catch::Contains("not a multiple of the Q6_K block size"));
    std::vector<float> x256(256, 1.f);
    CHECK_THROWS_WITH(quantize_row(GgmlType::Q4_K, x256.data(), out.data(), 256, x256.data()), Catch::Contains("importance"));
    float y = 0;
    CHECK_THROWS_WITH(matmul(GgmlType::TQ1_0, out.data(), 54, 256, 0, 1, out.data(), 292, 1, &y, 1),
                      Catch::Contains("unsupported weight type TQ1_0"));
    CHECK(quant_supported(GgmlType::IQ4_XS));
    CHECK_FALSE(quant_supported(GgmlType::Q8_K));
}
