//go:build tools

// Package tools pins the etcd server the gitfed lab builds; it is never compiled.
package tools

import _ "go.etcd.io/etcd/server/v3"
