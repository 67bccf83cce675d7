package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// endpoints are the servers a measurement talks to: kube-apiserver (HTTP/2, as client-go talks
// to it) and the standalone proxy (HTTP/1.1, all it serves), both with the admin's client
// certificate; the aggregated path is kube-apiserver's URL with the proxy's group prefix.
type endpoints struct {
	apiserver, proxy  string
	cacert, cert, key string
}

func (e *endpoints) register(fs *flag.FlagSet) {
	fs.StringVar(&e.apiserver, "apiserver", "https://127.0.0.1:6443", "kube-apiserver URL")
	fs.StringVar(&e.proxy, "proxy", "", "standalone watchfilter-proxy URL")
	fs.StringVar(&e.cacert, "cacert", "", "kube-apiserver's CA")
	fs.StringVar(&e.cert, "cert", "", "client certificate (admin)")
	fs.StringVar(&e.key, "key", "", "client key")
}

const aggregatedPrefix = "/apis/stream.watchfilter.io/v1alpha1/proxy"

func (e *endpoints) tlsConfig(verify bool) (*tls.Config, error) {
	pair, err := tls.LoadX509KeyPair(e.cert, e.key)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}}
	if !verify {
		cfg.InsecureSkipVerify = true // the proxy's generated self-signed certificate
		return cfg, nil
	}
	pem, err := os.ReadFile(e.cacert)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	cfg.RootCAs = pool
	return cfg, nil
}

// apiClient talks HTTP/2 to kube-apiserver, as client-go does: many watches share a few
// connections.
func (e *endpoints) apiClient() (*http.Client, error) {
	cfg, err := e.tlsConfig(true)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 64,
		DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext}
	return &http.Client{Transport: tr}, nil
}

// proxyClient talks HTTP/1.1 to the proxy: one connection per open stream.
func (e *endpoints) proxyClient(streams int) (*http.Client, error) {
	cfg, err := e.tlsConfig(false)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{TLSClientConfig: cfg, MaxIdleConnsPerHost: streams + 16,
		DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext}
	return &http.Client{Transport: tr}, nil
}

// do sends one request and reads the whole answer; a status outside 2xx is an error.
func do(ctx context.Context, c *http.Client, method, url, contentType string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "wfload")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, strings.TrimSpace(string(out)))
	}
	return out, nil
}
