#pragma once

#include <boost/asio/ip/address.hpp>
#include <string_view>

namespace watchfilter::proxy {

// True for 127.0.0.0/8, ::1 and IPv4-mapped ::ffff:127.x.y.z.
bool is_loopback(const boost::asio::ip::address& address);

// Parses --bind-address and refuses anything but a loopback address: until authentication is
// implemented every request is served with the proxy's own upstream credentials, so a
// network-reachable listener would hand those credentials to anyone who can connect.
// Throws ConfigError.
boost::asio::ip::address parse_loopback_bind_address(std::string_view text);

}  // namespace watchfilter::proxy
