package plots

import "strings"

// Every string that comes from a sweep file or a worker (task, method and
// hyper-parameter names, error messages) goes through one of these before
// it reaches a Markdown or LaTeX file; HTML goes through html/template.

// markdownEscaper backslash-escapes the characters that start Markdown
// markup or raw HTML, and the pipe that would end a table cell. CommonMark
// lets any ASCII punctuation be escaped so; & is escaped so that no entity
// can be spelled.
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`",
	"<", `\<`, ">", `\>`, "[", `\[`, "]", `\]`, "&", `\&`,
	"\r\n", " ", "\n", " ", "\r", " ",
)

// Markdown escapes s for Markdown text and table cells.
func Markdown(s string) string { return markdownEscaper.Replace(s) }

// latexEscaper writes each special character of LaTeX as text; < and >
// are spelled out because the default OT1 encoding prints them as ¡ and ¿,
// and brackets are braced so that a cell starting with [ is not read as
// the optional argument of the \\ before it.
var latexEscaper = strings.NewReplacer(
	`\`, `\textbackslash{}`, "{", `\{`, "}", `\}`, "$", `\$`, "&", `\&`,
	"#", `\#`, "^", `\textasciicircum{}`, "_", `\_`, "%", `\%`,
	"~", `\textasciitilde{}`, "<", `\textless{}`, ">", `\textgreater{}`,
	"[", "{[}", "]", "{]}",
	"\r\n", " ", "\n", " ", "\r", " ",
)

// LaTeX escapes s for LaTeX text mode.
func LaTeX(s string) string { return latexEscaper.Replace(s) }
