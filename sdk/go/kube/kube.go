// Package kube connects client-go to the host: Config is a rest.Config whose requests go through
// the host's kube_request (child.Transport), so typed clientsets, the dynamic client and the
// apimachinery types work inside a child unchanged (docs/sdk-go.md says what does not: watches,
// strategic-merge and apply patches, protobuf).
package kube

import (
	"k8s.io/client-go/rest"

	"watchfilter.io/sdk/go/child"
)

// Config returns a rest.Config for kubernetes.NewForConfig, dynamic.NewForConfig and friends.
// JSON only (the ABI carries JSON); no client-side rate limit (the host serializes a child's
// requests, and a wait would count against its call deadline); no timeout (the host's call
// deadline bounds every request).
func Config() *rest.Config {
	return &rest.Config{
		Host:      "http://watchfilter-host",
		Transport: child.Transport{},
		ContentConfig: rest.ContentConfig{
			ContentType:        "application/json",
			AcceptContentTypes: "application/json",
		},
		QPS:       -1,
		UserAgent: "watchfilter-child",
	}
}
