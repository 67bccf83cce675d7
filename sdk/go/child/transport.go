package child

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"watchfilter.io/sdk/go/internal/abi"
)

// Transport is an http.RoundTripper that sends each request through the host's kube_request:
// kube-apiserver answers with the host's identity (its kubeconfig), the path is checked by the
// host, and the call counts against the child's call deadline. The request's scheme and host are
// ignored (use any base URL, e.g. http://watchfilter-host); only the path and query are sent.
//
// What ABI v1 carries: GET, POST, PUT, DELETE, and PATCH with application/merge-patch+json or
// application/json-patch+json, JSON bodies both ways, no headers. Anything else (a watch, which
// the host opens itself; a strategic-merge or apply patch; protobuf; HEAD) is an error before
// anything is sent. A status the host gives instead of an HTTP one is an error too (-1 "not
// sent", -2 "refused by the host").
type Transport struct{}

// ErrRefused is returned (wrapped) when the host refused a request: a path that is not an API
// path, or a request over the size limits (docs/abi.md).
var ErrRefused = errors.New("refused by watchfilter-host")

func (Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	method, err := abiMethod(req)
	if err != nil {
		return nil, err
	}
	if q := req.URL.Query(); q.Get("watch") == "true" || q.Get("watch") == "1" {
		return nil, fmt.Errorf("watchfilter-host children cannot watch: declare the watch instead (child.Watch)")
	}
	var body []byte
	if req.Body != nil {
		body, err = io.ReadAll(io.LimitReader(req.Body, abi.MaxBodyBytes+1))
		if err != nil {
			return nil, err
		}
	}
	path := req.URL.RequestURI()
	if len(body) > abi.MaxBodyBytes || len(path) > abi.MaxPathBytes {
		return nil, fmt.Errorf("%s %s: %w: request over %d bytes of path or %d of body",
			req.Method, req.URL.Path, ErrRefused, abi.MaxPathBytes, abi.MaxBodyBytes)
	}
	status, out := abi.KubeRequest(method, path, body)
	switch {
	case status == abi.StatusRefused:
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, ErrRefused)
	case status < 100:
		return nil, fmt.Errorf("%s %s: not sent by watchfilter-host (status %d: transport error or call deadline)",
			req.Method, req.URL.Path, status)
	}
	return &http.Response{
		Status:        strconv.Itoa(int(status)) + " " + http.StatusText(int(status)),
		StatusCode:    int(status),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(out)),
		ContentLength: int64(len(out)),
		Request:       req,
	}, nil
}

func abiMethod(req *http.Request) (abi.Method, error) {
	switch req.Method {
	case http.MethodGet, "":
		return abi.MethodGet, nil
	case http.MethodPost:
		return abi.MethodCreate, nil
	case http.MethodPut:
		return abi.MethodUpdate, nil
	case http.MethodDelete:
		return abi.MethodDelete, nil
	case http.MethodPatch:
		ct, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
		switch strings.ToLower(ct) {
		case "application/merge-patch+json":
			return abi.MethodMergePatch, nil
		case "application/json-patch+json":
			return abi.MethodJSONPatch, nil
		}
		return 0, fmt.Errorf("PATCH %s: content type %q is not carried by watchfilter-host (merge-patch or json-patch only)",
			req.URL.Path, ct)
	}
	return 0, fmt.Errorf("%s %s: method not carried by watchfilter-host", req.Method, req.URL.Path)
}
