package serve

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// ErrNoToken is CheckAddr's refusal of a non-loopback address without a
// token.
var ErrNoToken = errors.New("an address beyond loopback needs a token (--token or --token-file)")

// CheckAddr says whether the dashboard may listen on addr: on loopback
// always, anywhere else only with a token. An empty host (":8321") is
// every interface.
func CheckAddr(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if isLoopback(host) || token != "" {
		return nil
	}
	return fmt.Errorf("--addr %s: %w", addr, ErrNoToken)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// cookieName carries the token after a ?token= link, so that it does not
// stay in the address bar, the history or a Referer.
const cookieName = "sweep_token"

// auth lets a request through when it carries the token: an
// Authorization: Bearer header, the cookie, or ?token= once (which sets
// the cookie and redirects to the same address without it). Tokens are
// compared in constant time, as hashes so that their lengths leak
// nothing either. Without a token (loopback) it checks the Host header
// instead: a page elsewhere that rebinds its name to 127.0.0.1 must not
// read the dashboard.
func (s *Server) auth(next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(s.opt.Token))
	ok := func(got string) bool {
		h := sha256.Sum256([]byte(got))
		return got != "" && subtle.ConstantTimeCompare(h[:], want[:]) == 1
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opt.Token == "" {
			host := r.Host
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			if !isLoopback(strings.Trim(host, "[]")) {
				http.Error(w, "this dashboard answers only to localhost, 127.0.0.1 and [::1]", http.StatusMisdirectedRequest)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if b, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found && ok(b) {
			next.ServeHTTP(w, r)
			return
		}
		if q := r.URL.Query(); q.Has("token") {
			if !ok(q.Get("token")) {
				unauthorized(w)
				return
			}
			http.SetCookie(w, &http.Cookie{Name: cookieName, Value: s.opt.Token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
			q.Del("token")
			u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
			http.Redirect(w, r, u.String(), http.StatusSeeOther)
			return
		}
		if c, err := r.Cookie(cookieName); err == nil && ok(c.Value) {
			next.ServeHTTP(w, r)
			return
		}
		unauthorized(w)
	})
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="sweep"`)
	http.Error(w, "401 unauthorized: give the token (Authorization: Bearer, or ?token= once)", http.StatusUnauthorized)
}
