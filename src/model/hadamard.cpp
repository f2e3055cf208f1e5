#include "model/hadamard.h"

#include <cmath>

namespace smollm {

bool hadamard_applies(int32_t head_dim) {
    return head_dim >= 64 && head_dim % 64 == 0 && (head_dim & (head_dim - 1)) == 0;
}

void hadamard_rotate(float* x, int32_t n) {
    // H_n = H_2 (x) H_{n/2} (Sylvester's order, as ggml_gen_hadamard builds it): butterflies
    // over strides 1, 2, 4, ... give H x up to the 1/sqrt(n) scale.
    for (int32_t s = 1; s < n; s *= 2) {
        for (int32_t i = 0; i < n; i += 2 * s) {
            for (int32_t j = i; j < i + s; ++j) {
                const float a = x[j], b = x[j + s];
                x[j] = a + b;
                x[j + s] = a - b;
            }
        }
    }
    const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(n)));
    for (int32_t i = 0; i < n; ++i) x[i] *= scale;
}

}  // namespace smollm
