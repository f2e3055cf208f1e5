#include "sample/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace smollm {

namespace {

using Candidate = std::pair<float, int32_t>;

// Highest logit first; equal logits by lower id, so every filter and greedy agree on ties.
bool better(const Candidate& a, const Candidate& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
}

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

}  // namespace

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {
    if (!(params.temperature >= 0.0f)) throw std::invalid_argument("sampling: temperature must be >= 0");
    if (params.top_k < 0) throw std::invalid_argument("sampling: top_k must be >= 0");
    if (!(params.top_p > 0.0f && params.top_p <= 1.0f)) throw std::invalid_argument("sampling: top_p must be in (0, 1]");
    if (!(params.min_p >= 0.0f && params.min_p <= 1.0f)) throw std::invalid_argument("sampling: min_p must be in [0, 1]");
    if (!(params.repeat_penalty > 0.0f)) throw std::invalid_argument("sampling: repeat_penalty must be > 0");
    if (!std::isfinite(params.presence_penalty) || !std::isfinite(params.frequency_penalty)) {
        throw std::invalid_argument("sampling: presence and frequency penalties must be finite");
    }
    if (params.penalty_last_n < -1) throw std::invalid_argument("sampling: penalty_last_n must be >= -1 (-1 = all)");
    for (const auto& [id, bias] : params.logit_bias) {
        // -infinity bans a token; NaN or +infinity would turn every probability into NaN.
        if (std::isnan(bias) || bias == std::numeric_limits<float>::infinity()) {
            throw std::invalid_argument("sampling: logit bias of token " + std::to_string(id) +
                                        " must be a finite number or -infinity");
        }
    }
}

int32_t Sampler::sample(const float* logits, int32_t n_vocab, const std::vector<int32_t>& history,
                        const std::vector<uint32_t>* allowed) {
    if (!logits || n_vocab <= 0) throw std::invalid_argument("sampling: no logits");
    const size_t n_all = static_cast<size_t>(n_vocab);
    if (allowed && allowed->size() * 32 < n_all) throw std::invalid_argument("sampling: the token mask is shorter than the vocabulary");
    work_.resize(n_all);
    for (size_t i = 0; i < n_all; ++i) {
        const float l = logits[i];
        work_[i] = {std::isnan(l) ? kNegInf : l, static_cast<int32_t>(i)};
    }
    for (const auto& [id, bias] : params_.logit_bias) {
        if (id >= 0 && id < n_vocab) work_[static_cast<size_t>(id)].first += bias;
    }
    // Masked tokens get -inf before the penalties, which never raise a -inf logit.
    if (allowed) {
        const uint32_t* words = allowed->data();
        for (size_t i = 0; i < n_all; ++i) {
            if (!(words[i >> 5] >> (i & 31) & 1u)) work_[i].first = kNegInf;
        }
    }

    // Penalties (llama.cpp): each token seen in the window has its logit divided by the repeat
    // penalty when positive (multiplied when not), then loses count * frequency + presence.
    const bool penalize = params_.repeat_penalty != 1.0f || params_.frequency_penalty != 0.0f ||
                          params_.presence_penalty != 0.0f;
    if (penalize && params_.penalty_last_n != 0 && !history.empty()) {
        const size_t window = params_.penalty_last_n < 0
                                  ? history.size()
                                  : std::min(history.size(), static_cast<size_t>(params_.penalty_last_n));
        penalty_counts_.resize(n_all, 0);
        const auto begin = history.end() - static_cast<std::ptrdiff_t>(window);
        for (auto it = begin; it != history.end(); ++it) {
            if (*it >= 0 && *it < n_vocab) ++penalty_counts_[static_cast<size_t>(*it)];
        }
        for (auto it = begin; it != history.end(); ++it) {
            if (*it < 0 || *it >= n_vocab) continue;
            int32_t& count = penalty_counts_[static_cast<size_t>(*it)];
            if (count == 0) continue;   // already applied for an earlier occurrence
            float& l = work_[static_cast<size_t>(*it)].first;
            l = l <= 0.0f ? l * params_.repeat_penalty : l / params_.repeat_penalty;
            l -= static_cast<float>(count) * params_.frequency_penalty + params_.presence_penalty;
            count = 0;   // leaves the buffer zeroed for the next call
        }
    }

    if (params_.temperature <= 0.0f) {
        const Candidate& best = *std::min_element(work_.begin(), work_.end(), better);
        // With a mask (or bans) every token may be out: never return a banned one.
        if (best.first == kNegInf) throw std::runtime_error("sampling: every candidate token has probability zero");
        return best.second;
    }

    size_t n = n_all;
    if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < n) {
        n = static_cast<size_t>(params_.top_k);
        std::nth_element(work_.begin(), work_.begin() + static_cast<std::ptrdiff_t>(n - 1), work_.end(), better);
    }

    if (params_.top_p < 1.0f) {
        // Sort only as far as needed: the nucleus is usually within the top few hundred.
        size_t done = std::min<size_t>(n, 256);
        std::partial_sort(work_.begin(), work_.begin() + static_cast<std::ptrdiff_t>(done),
                          work_.begin() + static_cast<std::ptrdiff_t>(n), better);
        const float max_l = work_[0].first;
        double total = 0.0;
        for (size_t i = 0; i < n; ++i) total += std::exp(static_cast<double>(work_[i].first - max_l));
        double cum = 0.0;
        size_t keep = n;
        for (size_t i = 0; i < n; ++i) {
            if (i == done) {
                std::sort(work_.begin() + static_cast<std::ptrdiff_t>(done), work_.begin() + static_cast<std::ptrdiff_t>(n), better);
                done = n;
            }
            cum += std::exp(static_cast<double>(work_[i].first - max_l)) / total;
            if (cum >= params_.top_p) {
                keep = i + 1;
                break;
            }
        }
        n = keep;
    }

    if (params_.min_p > 0.0f) {
        float max_l = kNegInf;
        for (size_t i = 0; i < n; ++i) max_l = std::max(max_l, work_[i].first);
        const float threshold = max_l + std::log(params_.min_p);
        size_t kept = 0;
        for (size_t i = 0; i < n; ++i) {
            if (work_[i].first >= threshold) work_[kept++] = work_[i];
        }
        n = std::max<size_t>(kept, 1);
    }
    float max_l = kNegInf;
    for (size_t i = 0; i < n; ++i) max_l = std::max(max_l, work_[i].first);
    if (max_l == kNegInf) throw std::runtime_error("sampling: every candidate token has probability zero");
    const double inv_t = 1.0 / static_cast<double>(params_.temperature);
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) total += std::exp((static_cast<double>(work_[i].first) - max_l) * inv_t);
    const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53 * total;
    double cum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        cum += std::exp((static_cast<double>(work_[i].first) - max_l) * inv_t);
        if (u < cum) return work_[i].second;
    }
    return work_[n - 1].second;   // u landed in the rounding slack past the last sum
}

StopStringMatcher::Result StopStringMatcher::push(const std::string& text) {
    held_ += text;
    Result r;
    size_t first = std::string::npos;
    for (const std::string& stop : stops_) {
        if (stop.empty()) continue;
        first = std::min(first, held_.find(stop));
    }
    if (first != std::string::npos) {
        r.emit = held_.substr(0, first);
        r.stopped = true;
        held_.clear();
        return r;
    }
    // Hold back the longest tail that could still grow into a stop string.
    size_t hold = 0;
    for (const std::string& stop : stops_) {
        for (size_t len = std::min(stop.size() - (stop.empty() ? 0 : 1), held_.size()); len > hold; --len) {
            if (held_.compare(held_.size() - len, len, stop, 0, len) == 0) {
                hold = len;
                break;
            }
        }
    }
    r.emit = held_.substr(0, held_.size() - hold);
    held_.erase(0, held_.size() - hold);
    return r;
}

std::string StopStringMatcher::flush() {
    std::string out = std::move(held_);
    held_.clear();
    return out;
}

}  // namespace smollm
