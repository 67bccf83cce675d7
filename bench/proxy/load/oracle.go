package main

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
)

// expected is what a stream with some filter must have received: the direct watch's recording
// run through watchfilter-eval, the same EventParser -> FilterState path as the proxy's.
type expected struct {
	events int64
	hash   uint64
}

func expectedFor(eval, recording, filter string) (expected, error) {
	in, err := os.Open(recording)
	if err != nil {
		return expected{}, err
	}
	defer in.Close()
	var out bytes.Buffer
	var args []string
	if filter != "" { // "": an unfiltered watch gets everything
		args = []string{"--filter", filter}
	} else {
		args = []string{"--filter", "true"}
	}
	cmd := exec.Command(eval, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return expected{}, fmt.Errorf("%s %v: %w", eval, args, err)
	}
	e := expected{hash: fnv.New64a().Sum64()}
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		typ, rv := eventKey(sc.Bytes())
		if len(typ) == 0 || string(typ) == "BOOKMARK" {
			continue
		}
		e.hash = mix(e.hash, typ, rv)
		e.events++
	}
	return e, sc.Err()
}
