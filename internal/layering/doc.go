// Package layering holds only a test: that the packages of this module
// import each other as docs/design.md draws them, never up the map.
package layering
