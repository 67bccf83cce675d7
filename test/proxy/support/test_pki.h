#pragma once

#include <string>
#include <vector>

namespace watchfilter::proxy::testing {

// A tiny PKI for authentication tests: CAs and client certificates made in memory (EC P-256).
struct TestCa {
  std::string cert_pem;
  std::string key_pem;
};

TestCa make_test_ca(const std::string& cn);
// A client certificate (extended key usage clientAuth unless `server_only`) signed by `ca`,
// subject CN=`cn` and one O per organization. Returns the certificate PEM.
std::string make_client_cert(const TestCa& ca, const std::string& cn,
                             const std::vector<std::string>& organizations,
                             bool server_only = false);

// The same with several CN attributes in the subject, in this order.
std::string make_client_cert_cns(const TestCa& ca, const std::vector<std::string>& cns,
                                 const std::vector<std::string>& organizations,
                                 bool server_only = false);

}  // namespace watchfilter::proxy::testing
