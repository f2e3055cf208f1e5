// Our scalar dequantization of every tensor of the five tiny-a files against llama.cpp's own
// (gguf-py) dequantization in ../shared/golden/dequant-golden.json: whole-tensor sums and the
// sampled values must agree to float precision.
#include <cmath>
#include <string>

#include "quant/quant.h"
#include "quant_test_util.h"
#include "test_support.h"

using namespace smollm;
using namespace smollm::test;

namespace {

// Relative agreement of a float64 sum over n float32 values: each value is exact, so only the
// summation order differs (ours is sequential double, theirs numpy's pairwise).
bool sums_agree(double ours, double golden, double magnitude) {
    return std::fabs(ours - golden) <= 1e-9 * magnitude + 1e-12;
}

void check_samples(const std::string& what, const float* ours, const Json& golden) {
    for (size_t k = 0; k < golden.items.size(); ++k) {
        const float expected = static_cast<float>(golden.items[k].number);
        if (ours[k] != expected) {
            FAIL(what << "[" << k << "]: ours " << ours[k] << " llama.cpp " << expected);
        }
    }
}

}  // namespace

TEST_CASE("dequantizing the tiny-a files reproduces llama.cpp's values", "[quant][golden]") {
    SMOLLM_REQUIRE_SHARED("golden/dequant-golden.json");
    const Json golden = parse_json(read_file_text(shared_path("golden/dequant-golden.json")));
    int n_tensors = 0;
    for (const auto& [file_name, tensors] : golden["files"].fields) {
        SMOLLM_REQUIRE_SHARED("golden/models/" + file_name);
        const LoadedGguf g = load_gguf(shared_path("golden/models/" + file_name));
        for (const Json& gt : tensors.items) {
            const std::string name = gt["name"].str;
            INFO(file_name << " " << name << " (" << gt["type"].str << ")");
            const GgufTensorInfo* t = g.file->find_tensor(name);
            REQUIRE(t != nullptr);
            REQUIRE(ggml_type_name(t->type) == gt["type"].str);
            const std::vector<float> v = dequantize_tensor(g, *t);
            double sum = 0, sum_sq = 0, sum_abs = 0;
            for (float x : v) {
                sum += x;
                sum_sq += static_cast<double>(x) * x;
                sum_abs += std::fabs(x);
            }
            CHECK(sums_agree(sum, gt["sum"].number, sum_abs));
            CHECK(sums_agree(sum_sq, gt["sum_sq"].number, sum_sq));
            CHECK(sums_agree(sum_abs, gt["sum_abs"].number, sum_abs));
            if (gt.has("row0")) check_samples(name + " row0", v.data(), gt["row0"]);
            if (gt.has("row0_first64")) check_samples(name + " row0", v.data(), gt["row0_first64"]);
            if (gt.has("last_row_first64"))
                check_samples(name + " last row", v.data() + (t->rows() - 1) * t->ne[0], gt["last_row_first64"]);
            ++n_tensors;
        }
    }
    CHECK(n_tensors == 100);
}
