#include "proxy/base/bind_address.h"

#include <string>

#include "proxy/base/config_error.h"

namespace watchfilter::proxy {

bool is_loopback(const boost::asio::ip::address& address) {
  if (address.is_v4()) return address.to_v4().is_loopback();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).is_loopback();
  }
  return v6.is_loopback();
}

boost::asio::ip::address parse_bind_address(std::string_view text) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) {
    throw ConfigError("--bind-address \"" + std::string(text) + "\" is not an IP address");
  }
  return address;
}

}  // namespace watchfilter::proxy
