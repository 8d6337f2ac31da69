#pragma once

#include <string>
#include <string_view>

namespace ecluse {

// The SHA-256 of `data`, as 64 lowercase hex characters.
std::string sha256_hex(std::string_view data);

// `length` lowercase hex characters from a cryptographic random source.
std::string random_hex(std::size_t length);

} // namespace ecluse
