package serve

import (
	"embed"
	"net/http"
	"strings"
)

//go:embed static
var static embed.FS

// contentPolicy allows the page's own script, style and streams and
// nothing else: no inline script, no other origin; forms (the compare
// page's, all GET) go only to this server. Report frames get
// their own (reportPolicy).
const contentPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"

// routes maps the dashboard's addresses. Every parameter is checked
// against the database (a sweep name against the listing, a trial id or
// an attempt id against the sweep's rows); none becomes a path.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("GET /compare", s.comparePage)
	mux.HandleFunc("GET /s/{sweep}/{$}", s.sweepPage)
	mux.HandleFunc("GET /s/{sweep}/events", s.stream)
	mux.HandleFunc("GET /s/{sweep}/report", s.reportPage)
	mux.HandleFunc("GET /s/{sweep}/part/{part}", s.partPage)
	mux.HandleFunc("GET /s/{sweep}/cell", s.cellPage)
	mux.HandleFunc("GET /s/{sweep}/trial/{trial}", s.trialPage)
	mux.HandleFunc("GET /s/{sweep}/trial/{trial}/parts", s.trialParts)
	mux.HandleFunc("GET /s/{sweep}/attempt/{attempt}/points", s.pointsJSON)
	mux.HandleFunc("GET /s/{sweep}/attempt/{attempt}/log/{stream}", s.logPage)
	mux.Handle("GET /static/", http.FileServerFS(static))
	// The guard comes first: a malformed path is 404 with or without the
	// token, and the token's redirect only ever sees a clean path.
	return guard(s.auth(mux))
}

// guard answers 404 to a path with a dot or empty segment or an encoded slash or
// backslash before the mux could clean and redirect it, and refuses every
// method but GET and HEAD: nothing here changes anything.
func guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "405 read-only", http.StatusMethodNotAllowed)
			return
		}
		raw := strings.ToLower(r.URL.EscapedPath())
		if strings.Contains(raw, "%2f") || strings.Contains(raw, "%5c") || strings.Contains(r.URL.Path, "\\") || strings.Contains(r.URL.Path, "\x00") {
			http.NotFound(w, r)
			return
		}
		segs := strings.Split(r.URL.Path, "/")
		for i, seg := range segs {
			if seg == "." || seg == ".." || (seg == "" && i > 0 && i < len(segs)-1) {
				http.NotFound(w, r)
				return
			}
		}
		h := w.Header()
		h.Set("Content-Security-Policy", contentPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "SAMEORIGIN")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
