// filterRef=<namespace>/<name>: the reference's shape, and how a request carries it.

#include "proxy/request/watchfilter_ref.h"

#include <gtest/gtest.h>

#include "proxy/kube/resource_path.h"
#include "proxy/kube/url_query.h"
#include "proxy/request/watch_request.h"
#include "test/proxy/support/watch_request_support.h"

namespace watchfilter::proxy {
namespace {

using testing::parse_target;

TEST(WatchFilterRefTest, AcceptsNamespaceSlashName) {
  auto ref = parse_watchfilter_ref("db/mongo-changes.v2");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->namespace_name, "db");
  EXPECT_EQ(ref->name, "mongo-changes.v2");
  EXPECT_EQ(ref->to_string(), "db/mongo-changes.v2");
}

TEST(WatchFilterRefTest, RejectsWhatKubernetesCouldNotName) {
  for (const char* bad : {"", "mongo", "/mongo", "db/", "db/a/b", "Db/mongo", "db/Mongo", "db/-x",
                          "db/x-", "db.x/y", "db/x..y", "db/x_y", "db /x"}) {
    EXPECT_FALSE(parse_watchfilter_ref(bad)) << bad;
  }
  EXPECT_FALSE(parse_watchfilter_ref(std::string(64, 'a') + "/x"));  // a label: 63 at most
  EXPECT_TRUE(parse_watchfilter_ref(std::string(63, 'a') + "/x"));
}

TEST(WatchFilterRefTest, NamesAreSubdomainsAsKubeApiserverChecksThem) {
  // IsDNS1123Subdomain limits the whole name (253), not each dot-separated part.
  EXPECT_TRUE(parse_watchfilter_ref("db/" + std::string(100, 'a') + ".b"));
  EXPECT_TRUE(parse_watchfilter_ref("db/" + std::string(253, 'a')));
  EXPECT_FALSE(parse_watchfilter_ref("db/" + std::string(254, 'a')));
}

TEST(WatchFilterRefTest, PathNamesTheObject) {
  EXPECT_EQ(WatchFilterRef({"db", "mongo"}).path(),
            "/apis/watchfilter.io/v1alpha1/namespaces/db/watchfilters/mongo");
  EXPECT_EQ(watchfilter_get_attributes({"db", "mongo"}).path,
            WatchFilterRef({"db", "mongo"}).path());
}

TEST(WatchFilterRefTest, GetAttributesNameTheWatchFilter) {
  auto a = watchfilter_get_attributes({"db", "mongo"});
  EXPECT_TRUE(a.resource_request);
  EXPECT_EQ(a.verb, "get");
  EXPECT_EQ(a.gvr.group, "watchfilter.io");
  EXPECT_EQ(a.gvr.resource, "watchfilters");
  EXPECT_EQ(a.namespace_name, "db");
  EXPECT_EQ(a.name, "mongo");
  EXPECT_EQ(watchfilter_not_found_message({"db", "mongo"}),
            "watchfilters.watchfilter.io \"mongo\" not found");
}

TEST(WatchFilterRefTest, RequestCarriesTheRefAsItsIdentity) {
  auto r = std::get<WatchRequest>(
      parse_target("/api/v1/namespaces/d/configmaps?watch=1&filterRef=db%2Fmongo&watcher=w1"));
  EXPECT_EQ(r.filter_ref, "db/mongo");
  // A named watcher keeps its state across reconnects whatever the expression is now.
  EXPECT_EQ(r.filter_source, "filterRef=db/mongo");
  EXPECT_EQ(r.filter, nullptr);  // resolved by FilteredService, never guessed
  EXPECT_EQ(r.watcher_id, "w1");
}

TEST(WatchFilterRefTest, MalformedRefIsABadRequest) {
  auto e = std::get<std::string>(parse_target("/api/v1/configmaps?watch=1&filterRef=mongo"));
  EXPECT_EQ(e,
            "invalid filterRef \"mongo\": want <namespace>/<name> of a WatchFilter "
            "(watchfilters.watchfilter.io)");
  EXPECT_EQ(std::get<std::string>(parse_target("/api/v1/configmaps?filter=true&filterRef=db/x")),
            "filter and filterRef are mutually exclusive");
}

}  // namespace
}  // namespace watchfilter::proxy
