// A list of strings kept in one byte buffer plus their end offsets. A GGUF vocabulary holds
// ~50k token texts and ~50k merges: one heap block per string made parsing and copying them
// most of a model's preparation time in wasm (whose allocator is slow), and each copy of the
// list cost another 100k allocations. Here a copy is two allocations.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace smollm {

class StringList {
public:
    class const_iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = std::string_view;

        const_iterator(const StringList* list, size_t i) : list_(list), i_(i) {}
        std::string_view operator*() const { return (*list_)[i_]; }
        const_iterator& operator++() {
            ++i_;
            return *this;
        }
        const_iterator operator++(int) {
            const_iterator old = *this;
            ++i_;
            return old;
        }
        bool operator==(const const_iterator& o) const { return i_ == o.i_ && list_ == o.list_; }
        bool operator!=(const const_iterator& o) const { return !(*this == o); }

    private:
        const StringList* list_;
        size_t i_;
    };

    StringList() = default;
    StringList(std::initializer_list<std::string_view> items) {
        for (std::string_view s : items) push_back(s);
    }
    explicit StringList(const std::vector<std::string>& items) {
        reserve(items.size());
        for (const std::string& s : items) push_back(s);
    }

    size_t size() const { return ends_.size(); }
    bool empty() const { return ends_.empty(); }
    std::string_view operator[](size_t i) const {
        const size_t begin = i == 0 ? 0 : ends_[i - 1];
        return std::string_view(bytes_.data() + begin, ends_[i] - begin);
    }
    const_iterator begin() const { return const_iterator(this, 0); }
    const_iterator end() const { return const_iterator(this, size()); }

    void reserve(size_t count) { ends_.reserve(count); }
    void push_back(std::string_view s) {
        bytes_.append(s.data(), s.size());
        ends_.push_back(bytes_.size());
    }
    // Total bytes of all strings.
    size_t text_bytes() const { return bytes_.size(); }

    friend bool operator==(const StringList& a, const StringList& b) { return a.ends_ == b.ends_ && a.bytes_ == b.bytes_; }
    friend bool operator!=(const StringList& a, const StringList& b) { return !(a == b); }
    friend bool operator==(const StringList& a, const std::vector<std::string>& b) {
        if (a.size() != b.size()) return false;
        for (size_t i = 0; i < b.size(); ++i) {
            if (a[i] != b[i]) return false;
        }
        return true;
    }
    friend bool operator==(const std::vector<std::string>& a, const StringList& b) { return b == a; }

private:
    std::string bytes_;
    std::vector<size_t> ends_;   // ends_[i]: one past string i's last byte in bytes_
};

}  // namespace smollm
