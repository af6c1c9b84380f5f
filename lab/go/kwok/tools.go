//go:build tools

// Package tools pins the kwok command the gitfed lab builds; it is never compiled.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
