package child

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Watch is one filtered watch of a collection, opened by the host on the proxy (the keys of a
// children file's watch, docs/host.md).
type Watch struct {
	Resource      string `json:"resource"`                // a collection path: Resource.Path(ns)
	Filter        string `json:"filter,omitempty"`        // an expression (docs/filters.md); empty: every event
	FilterRef     string `json:"filterRef,omitempty"`     // or <namespace>/<name> of a WatchFilter
	LabelSelector string `json:"labelSelector,omitempty"` // as upstream
	FieldSelector string `json:"fieldSelector,omitempty"` // as upstream, evaluated by the proxy
	Resync        string `json:"resync,omitempty"`        // the stream's resync period, a Go duration ("5m")
}

func watchesJSON(w []Watch) []byte {
	if w == nil {
		w = []Watch{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)              // filters are full of < and >
	if err := enc.Encode(w); err != nil { // only strings: cannot fail
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// Resource is a resource type: {"", "v1", "configmaps"} or {"example.watchfilter.io", "v1", "clusters"}.
type Resource struct {
	Group    string
	Version  string
	Resource string // the plural
}

// Path is the API path of a collection (name empty) or of an object; ns empty: cluster-scoped,
// or every namespace.
func (r Resource) Path(ns, name string) string {
	var b strings.Builder
	if r.Group == "" {
		b.WriteString("/api/" + r.Version)
	} else {
		b.WriteString("/apis/" + r.Group + "/" + r.Version)
	}
	if ns != "" {
		b.WriteString("/namespaces/" + ns)
	}
	b.WriteString("/" + r.Resource)
	if name != "" {
		b.WriteString("/" + name)
	}
	return b.String()
}
