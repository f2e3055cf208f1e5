#include "model/rope_trig.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace smollm::rope_trig {
namespace {

// The algorithm of Arm's optimized-routines sinf / cosf, which glibc ships: the argument
// reduced to [-pi/4, pi/4] in double (one multiply-add below 120, an exact fixed-point product
// with 4/pi above), then a degree-7 sine or degree-8 cosine polynomial in double, rounded once
// to float. glibc's x86-64 build picks a variant compiled with FMA on CPUs that have it, so
// every multiply-add GCC could contract is one fused operation here (std::fma: hardware where
// there is some, exact software in wasm).
struct Poly {
    double sign[4];        // the sine's sign in quadrants 0..3
    double c0, c1, c2, c3, c4;
    double s1, s2, s3;
};

// Quadrants 2 and 3 use the second entry: its cosine polynomial is negated.
constexpr Poly kPoly[2] = {
    {{1.0, -1.0, -1.0, 1.0}, 0x1p0, -0x1.ffffffd0c621cp-2, 0x1.55553e1068f19p-5, -0x1.6c087e89a359dp-10,
     0x1.99343027bf8c3p-16, -0x1.555545995a603p-3, 0x1.1107605230bc4p-7, -0x1.994eb3774cf24p-13},
    {{1.0, -1.0, -1.0, 1.0}, -0x1p0, 0x1.ffffffd0c621cp-2, -0x1.55553e1068f19p-5, 0x1.6c087e89a359dp-10,
     -0x1.99343027bf8c3p-16, -0x1.555545995a603p-3, 0x1.1107605230bc4p-7, -0x1.994eb3774cf24p-13},
};
constexpr double kHalfPiInvScaled = 0x1.45F306DC9C883p+23;   // 2/pi * 2^24
constexpr double kHalfPi = 0x1.921FB54442D18p0;
constexpr double kPiOver2To62 = 0x1.921FB54442D18p-62;          // 2 pi * 2^-64

// Bits of 4/pi: entry i is floor(4/pi * 2^(8i + 7)) mod 2^32 (computed with integer
// arithmetic from Machin's formula), so any 96-bit window starts at an entry.
constexpr uint32_t kFourOverPi[24] = {
    0xa2,       0xa2f9,     0xa2f983,   0xa2f9836e, 0xf9836e4e, 0x836e4e44, 0x6e4e4415, 0x4e441529,
    0x441529fc, 0x1529fc27, 0x29fc2757, 0xfc2757d1, 0x2757d1f5, 0x57d1f534, 0xd1f534dd, 0xf534ddc0,
    0x34ddc0db, 0xddc0db62, 0xc0db6295, 0xdb629599, 0x6295993c, 0x95993c43, 0x993c4390, 0x3c439041,
};

uint32_t bits(float x) {
    uint32_t u;
    std::memcpy(&u, &x, sizeof u);
    return u;
}

// The exponent and top mantissa bits of |x|: the functions branch on these.
uint32_t top12(float x) { return (bits(x) >> 20) & 0x7ff; }

// |x| < 120: x - n pi/2 with n the nearest quadrant, found through a float-to-int conversion of
// x * 2/pi * 2^24 (the rounding bit added before the shift).
double reduce_small(double x, int* quadrant) {
    const double r = x * kHalfPiInvScaled;
    const int n = (static_cast<int32_t>(r) + 0x800000) >> 24;
    *quadrant = n;
    return std::fma(-static_cast<double>(n), kHalfPi, x);
}

// |x| >= 120: the mantissa times 96 bits of 4/pi in 64-bit integers, whose top bits are the
// quadrant and whose rest is the remainder as a 2.62 fixed-point number of quarter turns.
double reduce_large(uint32_t xi, int* quadrant) {
    const uint32_t* window = &kFourOverPi[(xi >> 26) & 15];
    const int shift = (xi >> 23) & 7;
    const uint32_t m = ((xi & 0xffffff) | 0x800000) << shift;
    const uint64_t low = static_cast<uint64_t>(m * window[0]);   // only its low 32 bits count
    const uint64_t mid = static_cast<uint64_t>(m) * window[4];
    const uint64_t high = static_cast<uint64_t>(m) * window[8];
    uint64_t fixed = ((high >> 32) | (low << 32)) + mid;
    const uint64_t n = (fixed + (1ULL << 61)) >> 62;
    fixed -= n << 62;
    *quadrant = static_cast<int>(n);
    return static_cast<double>(static_cast<int64_t>(fixed)) * kPiOver2To62;
}

// The sine polynomial of x (x2 = x * x) for an even quadrant, the cosine one for an odd one.
float poly(double x, double x2, const Poly& p, int quadrant) {
    if ((quadrant & 1) == 0) {
        const double x3 = x * x2;
        const double s1 = std::fma(x2, p.s3, p.s2);
        const double x7 = x3 * x2;
        const double s = std::fma(x3, p.s1, x);
        return static_cast<float>(std::fma(x7, s1, s));
    }
    const double x4 = x2 * x2;
    const double c2 = std::fma(x2, p.c4, p.c3);
    const double c1 = std::fma(x2, p.c1, p.c0);
    const double x6 = x4 * x2;
    const double c = std::fma(x4, p.c2, c1);
    return static_cast<float>(std::fma(x6, c2, c));
}

// Both of y: one reduction, then the sine polynomial (quadrant n) and the cosine one (n + 1),
// each the bits glibc's separate sinf and cosf give, which reduce y the same way.
void sin_and_cos(float y, float* sin_out, float* cos_out) {
    const uint32_t top = top12(y);
    double x = y;
    if (top < top12(static_cast<float>(0x1.921FB54442D18p-1))) {   // |y| < pi/4
        if (top < top12(0x1p-12f)) {
            *sin_out = y;
            *cos_out = 1.0f;
            return;
        }
        *sin_out = poly(x, x * x, kPoly[0], 0);
        *cos_out = poly(x, x * x, kPoly[0], 1);
        return;
    }
    int n = 0;
    int turn = 0;   // quadrant for the signs: the reduction's, plus the sign of y above 120
    if (top < top12(120.0f)) {
        x = reduce_small(x, &n);
        turn = n;
    } else if (top < top12(std::numeric_limits<float>::infinity())) {
        x = reduce_large(bits(y), &n);
        turn = n + static_cast<int>(bits(y) >> 31);
    } else {
        *sin_out = *cos_out = y - y;   // inf or NaN: NaN
        return;
    }
    const Poly& p = kPoly[(turn & 2) ? 1 : 0];
    const double signed_x = x * p.sign[turn & 3];
    *sin_out = poly(signed_x, x * x, p, n);
    *cos_out = poly(signed_x, x * x, p, n ^ 1);
}

}  // namespace

void sin_cos(float x, float* sin_out, float* cos_out) { sin_and_cos(x, sin_out, cos_out); }

}  // namespace smollm::rope_trig
