#pragma once
// The one error mechanism of the core: an exception whose message names the offending value.
// The CLI prints it on stderr, the bindings rethrow it in JS as an Error with the same text,
// and the page shows it to the user verbatim, so messages are written for people.

#include <stdexcept>
#include <string>

namespace pcarecon {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace pcarecon
