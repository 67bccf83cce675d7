// The Go twin of test_child.cc for the host's runtime tests (test/host/go_child_test.cc): the
// SDK without client-go, so that it compiles in seconds.
module watchfilter.io/test/host/children/go

go 1.26.0

require watchfilter.io/sdk/go v0.0.0

replace watchfilter.io/sdk/go => ../../../../sdk/go
