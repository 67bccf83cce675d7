#pragma once

#include <boost/asio/ip/address.hpp>
#include <string_view>

namespace watchfilter::proxy {

// True for 127.0.0.0/8, ::1 and IPv4-mapped ::ffff:127.x.y.z.
bool is_loopback(const boost::asio::ip::address& address);

// Parses --bind-address (any IP literal; 0.0.0.0 and :: listen on every interface). Every request
// is authenticated and authorized, so the proxy may listen where the network reaches it.
// Throws ConfigError.
boost::asio::ip::address parse_bind_address(std::string_view text);

}  // namespace watchfilter::proxy
