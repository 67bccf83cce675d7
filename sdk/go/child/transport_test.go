//go:build !wasip1 && !watchfilter_native

package child_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"watchfilter.io/sdk/go/child"
	"watchfilter.io/sdk/go/childtest"
)

// echo answers with the method, content type and body it got.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.WriteHeader(http.StatusTeapot)
	io.WriteString(w, r.Method+" "+r.Header.Get("Content-Type")+" "+r.URL.RequestURI()+" "+string(body))
})

func roundTrip(t *testing.T, method, url, contentType, body string) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := (&http.Client{Transport: child.Transport{}}).Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), nil
}

func TestTransportMethods(t *testing.T) {
	h := childtest.New(t, echo)
	cases := []struct{ method, contentType, want string }{
		{"GET", "", "GET  /api/v1/namespaces/db/configmaps?limit=5&labelSelector=a%3Db "},
		{"POST", "application/json", "POST application/json /api/v1/namespaces/db/configmaps?limit=5&labelSelector=a%3Db {}"},
		{"PUT", "application/json", "PUT application/json /api/v1/namespaces/db/configmaps?limit=5&labelSelector=a%3Db {}"},
		{"PATCH", "application/merge-patch+json", "PATCH application/merge-patch+json /api/v1/namespaces/db/configmaps?limit=5&labelSelector=a%3Db {}"},
		{"PATCH", "application/json-patch+json; charset=utf-8", "PATCH application/json-patch+json /api/v1/namespaces/db/configmaps?limit=5&labelSelector=a%3Db {}"},
		{"DELETE", "", "DELETE  /api/v1/namespaces/db/configmaps?limit=5&labelSelector=a%3Db "},
	}
	for _, c := range cases {
		body := "{}"
		if c.method == "GET" || c.method == "DELETE" {
			body = ""
		}
		resp, got, err := roundTrip(t, c.method, "http://ignored.example:1234/api/v1/namespaces/db/configmaps?limit=5&labelSelector=a%3Db",
			c.contentType, body)
		if err != nil {
			t.Fatalf("%s: %v", c.method, err)
		}
		if resp.StatusCode != http.StatusTeapot || resp.Header.Get("Content-Type") != "application/json" || got != c.want {
			t.Errorf("%s: status %d, content type %q, body %q; want %q", c.method, resp.StatusCode,
				resp.Header.Get("Content-Type"), got, c.want)
		}
	}
	if n := len(h.Requests()); n != len(cases) {
		t.Fatalf("%d requests reached the host, want %d", n, len(cases))
	}
}

func TestTransportRefusesWhatTheABIDoesNotCarry(t *testing.T) {
	h := childtest.New(t, echo)
	cases := []struct{ method, url, contentType, want string }{
		{"PATCH", "http://h/api/v1/namespaces/db/configmaps/x", "application/strategic-merge-patch+json", "merge-patch or json-patch only"},
		{"PATCH", "http://h/api/v1/namespaces/db/configmaps/x", "application/apply-patch+yaml", "merge-patch or json-patch only"},
		{"HEAD", "http://h/api/v1/namespaces/db/configmaps/x", "", "method not carried"},
		{"OPTIONS", "http://h/api", "", "method not carried"},
		{"GET", "http://h/api/v1/namespaces/db/configmaps?watch=true", "", "cannot watch"},
		{"GET", "http://h/api/v1/namespaces/db/configmaps?watch=1&x=y", "", "cannot watch"},
		{"GET", "http://h/api/v1/namespaces/db/configmaps/" + strings.Repeat("x", 9000), "", "refused by watchfilter-host"},
	}
	for _, c := range cases {
		_, _, err := roundTrip(t, c.method, c.url, c.contentType, "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s %s: error %v, want %q", c.method, c.url[:min(len(c.url), 60)], c.contentType, err, c.want)
		}
	}
	if n := len(h.Requests()); n != 0 {
		t.Fatalf("%d requests reached the host, want 0", n)
	}
	_, _, err := roundTrip(t, "POST", "http://h/api/v1/namespaces/db/configmaps", "application/json", strings.Repeat("x", 3<<20+1))
	if !errors.Is(err, child.ErrRefused) {
		t.Fatalf("large body: %v", err)
	}
}

func TestTransportHostStatuses(t *testing.T) {
	// A path the fake host refuses (as the real one does anything but /api, /apis): -2.
	childtest.New(t, echo)
	_, _, err := roundTrip(t, "GET", "http://h", "", "")
	if !errors.Is(err, child.ErrRefused) {
		t.Fatalf("refused path: %v", err)
	}
}

func TestTransportWithoutHost(t *testing.T) {
	// As natively outside a reconcile: -1, not sent.
	req, _ := http.NewRequest("GET", "http://h/api/v1/namespaces", nil)
	_, err := child.Transport{}.RoundTrip(req)
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "refused") || !strings.Contains(err.Error(), "not sent") {
		t.Fatalf("not sent: %v", err)
	}
}
