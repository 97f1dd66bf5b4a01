package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestSQLOnlyThroughParameters reads the store package's Go source and
// follows the query argument of every database call (ExecContext,
// QueryContext, QueryRowContext, QueryxContext, GetContext, SelectContext,
// PrepareContext) back to where it was built, through Rebind, local
// variables, and the results and parameters of store's own functions. A query may be made
// of string literals, constants, other safe queries, strings.Join /
// strings.Repeat / strings.Builder over safe parts, fmt.Sprintf whose
// non-%d arguments are safe, and the placeholders helper; a function
// parameter that reaches a query is safe only if every call of the
// function in store passes something safe. Values — anything a person or a
// platform supplied — must travel as bound parameters (?), never inside
// the SQL text. The few dynamic fragments that cannot be proven this way
// are listed in sqlAllowed with the reason they are safe; anything else
// fails the test.
func TestSQLOnlyThroughParameters(t *testing.T) {
	t.Parallel()
	sc := newSQLScan(t, "../../store")
	findings := sc.run()
	for _, f := range findings {
		if reason, ok := sqlAllowed[f.key]; ok {
			sc.used[f.key] = true
			t.Logf("allowed: %s (%s)", f, reason)
			continue
		}
		t.Errorf("%s\n\tif it is safe, add %q to sqlAllowed with the reason", f, f.key)
	}
	for key := range sqlAllowed {
		if !sc.used[key] {
			t.Errorf("sqlAllowed has %q, which no longer matches anything: remove it", key)
		}
	}
	if sc.calls < 50 {
		t.Errorf("only %d database calls found in store: is the scan still looking at the right files?", sc.calls)
	}
	t.Logf("%d database calls checked in store", sc.calls)
}

// sqlAllowed lists the dynamic query parts that are safe for a reason the
// scan cannot see, keyed "file:function:expression".
var sqlAllowed = map[string]string{
	"store.go:migrateUpTo:string(body)":                                  "the migration files embedded in the binary (store/migrations)",
	"content.go:loadBodies:`SELECT body FROM ` + table + ` ORDER BY id`": "table is a constant at each call (track, burst) in ContentLoad; nothing typed reaches it",
	"report.go:insert:b.tx.Rebind(q)": "q is built by batchValues from the table and column names DemoLoad passes as constants, " +
		"and only placeholders for the values",
	"report.go:insertReturning:b.tx.Rebind(q + \" RETURNING id\")": "as report.go:insert: constant table and columns, placeholders for the values",
}

type sqlFinding struct {
	pos  token.Position
	fn   string
	expr string
	why  string
	key  string
}

func (f sqlFinding) String() string {
	return fmt.Sprintf("%s:%d in %s: query built from %s: %s", filepath.Base(f.pos.Filename), f.pos.Line, f.fn, f.expr, f.why)
}

type sqlScan struct {
	t     *testing.T
	fset  *token.FileSet
	files map[string]*ast.File
	// consts and vars at package level: name → initializer (nil for a
	// const of an iota block).
	consts map[string]bool
	vars   map[string]ast.Expr
	funcs  map[string][]*ast.FuncDecl
	used   map[string]bool
	calls  int

	findings []sqlFinding
	visiting map[string]bool
}

// queryArg says which argument of a database method is the query.
var queryArg = map[string]int{
	"ExecContext": 1, "QueryContext": 1, "QueryRowContext": 1, "QueryxContext": 1, "QueryRowxContext": 1,
	"PrepareContext": 1, "PreparexContext": 1, "NamedExecContext": 1, "NamedQueryContext": 1,
	"GetContext": 2, "SelectContext": 2, "MustExec": 0, "MustExecContext": 1,
}

func newSQLScan(t *testing.T, dir string) *sqlScan {
	t.Helper()
	sc := &sqlScan{t: t, fset: token.NewFileSet(), files: map[string]*ast.File{}, consts: map[string]bool{},
		vars: map[string]ast.Expr{}, funcs: map[string][]*ast.FuncDecl{}, used: map[string]bool{}, visiting: map[string]bool{}}
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(sc.fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		sc.files[p] = f
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					vs, ok := s.(*ast.ValueSpec)
					if !ok {
						continue
					}
					for i, n := range vs.Names {
						if d.Tok == token.CONST {
							sc.consts[n.Name] = true
						} else if i < len(vs.Values) {
							sc.vars[n.Name] = vs.Values[i]
						}
					}
				}
			case *ast.FuncDecl:
				sc.funcs[d.Name.Name] = append(sc.funcs[d.Name.Name], d)
			}
		}
	}
	return sc
}

// scope is the function a query expression is evaluated in.
type scope struct {
	file string
	name string
	fn   *ast.FuncDecl
	body ast.Node // the function (or function literal) body searched for assignments
	// params of body's function type, name → index.
	params map[string]int
	lit    bool // body is a function literal
	// For a function literal passed to a call: the call and the argument's
	// position, so its parameters can be traced into the called function.
	litCall *ast.CallExpr
	litArg  int
}

func (sc *sqlScan) run() []sqlFinding {
	var files []string
	for p := range sc.files {
		files = append(files, p)
	}
	sort.Strings(files)
	for _, p := range files {
		for _, d := range sc.files[p].Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			sc.scanFunc(p, fd)
		}
	}
	return sc.findings
}

func paramIndex(ft *ast.FuncType) map[string]int {
	out := map[string]int{}
	i := 0
	for _, f := range ft.Params.List {
		if len(f.Names) == 0 {
			i++
			continue
		}
		for _, n := range f.Names {
			out[n.Name] = i
			i++
		}
	}
	return out
}

func (sc *sqlScan) scanFunc(file string, fd *ast.FuncDecl) {
	root := &scope{file: file, name: fd.Name.Name, fn: fd, body: fd.Body, params: paramIndex(fd.Type)}
	seen := map[*ast.FuncLit]bool{}
	var visit func(n ast.Node, s *scope)
	visit = func(n ast.Node, s *scope) {
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				if n.Body != s.body && !seen[n] {
					seen[n] = true
					visit(n.Body, &scope{file: file, name: s.name, fn: fd, body: n.Body, params: paramIndex(n.Type), lit: true})
				}
				return false
			case *ast.CallExpr:
				for k, a := range n.Args {
					if fl, ok := a.(*ast.FuncLit); ok && !seen[fl] {
						seen[fl] = true
						visit(fl.Body, &scope{file: file, name: s.name, fn: fd, body: fl.Body, params: paramIndex(fl.Type),
							lit: true, litCall: n, litArg: k})
					}
				}
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				idx, ok := queryArg[sel.Sel.Name]
				if !ok || idx >= len(n.Args) {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && (x.Name == "sqlx" || x.Name == "sql") {
					return true
				}
				// A prepared statement (store names them stmt) takes only
				// arguments: its query was checked where it was prepared.
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "stmt" {
					return true
				}
				sc.calls++
				if why := sc.safe(n.Args[idx], s, 0); why != "" {
					sc.report(s, n.Args[idx], why)
				}
			}
			return true
		})
	}
	visit(fd.Body, root)
}

func (sc *sqlScan) report(s *scope, e ast.Expr, why string) {
	expr := sc.src(e)
	key := fmt.Sprintf("%s:%s:%s", filepath.Base(s.file), s.name, expr)
	for _, f := range sc.findings {
		if f.key == key {
			return
		}
	}
	sc.findings = append(sc.findings, sqlFinding{pos: sc.fset.Position(e.Pos()), fn: s.name, expr: expr, why: why, key: key})
}

func (sc *sqlScan) src(e ast.Expr) string {
	var b strings.Builder
	ast.Inspect(e, func(n ast.Node) bool { return true })
	// A compact rendering is enough for a key: go/printer would pull in
	// comments and line breaks.
	sc.render(&b, e)
	return b.String()
}

func (sc *sqlScan) render(b *strings.Builder, e ast.Expr) {
	switch e := e.(type) {
	case *ast.Ident:
		b.WriteString(e.Name)
	case *ast.BasicLit:
		if len(e.Value) > 24 {
			b.WriteString(e.Value[:1] + "…" + e.Value[len(e.Value)-1:])
		} else {
			b.WriteString(e.Value)
		}
	case *ast.SelectorExpr:
		sc.render(b, e.X)
		b.WriteString("." + e.Sel.Name)
	case *ast.CallExpr:
		sc.render(b, e.Fun)
		b.WriteString("(")
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			sc.render(b, a)
		}
		b.WriteString(")")
	case *ast.BinaryExpr:
		sc.render(b, e.X)
		b.WriteString(" " + e.Op.String() + " ")
		sc.render(b, e.Y)
	case *ast.ParenExpr:
		b.WriteString("(")
		sc.render(b, e.X)
		b.WriteString(")")
	case *ast.IndexExpr:
		sc.render(b, e.X)
		b.WriteString("[")
		sc.render(b, e.Index)
		b.WriteString("]")
	case *ast.ArrayType:
		b.WriteString("[]")
		sc.render(b, e.Elt)
	default:
		fmt.Fprintf(b, "%T", e)
	}
}

// safe returns "" when e can only hold SQL text written in store, or why
// not.
func (sc *sqlScan) safe(e ast.Expr, s *scope, depth int) string {
	if depth > 40 {
		return "too deep to follow"
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			return ""
		}
		return "" // a number
	case *ast.ParenExpr:
		return sc.safe(e.X, s, depth+1)
	case *ast.BinaryExpr:
		if why := sc.safe(e.X, s, depth+1); why != "" {
			return why
		}
		return sc.safe(e.Y, s, depth+1)
	case *ast.Ident:
		return sc.safeIdent(e.Name, s, depth)
	case *ast.SelectorExpr:
		return sc.safeField(e, s, depth)
	case *ast.CallExpr:
		return sc.safeCall(e, s, depth)
	case *ast.IndexExpr:
		return "an indexed value (" + sc.src(e) + ")"
	case *ast.CompositeLit:
		// []string{"a = ?", …}: every element must be safe.
		for _, el := range e.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				el = kv.Value
			}
			if w := sc.safe(el, s, depth+1); w != "" {
				return w
			}
		}
		return ""
	}
	return fmt.Sprintf("an expression the scan does not follow (%T)", e)
}

func (sc *sqlScan) safeIdent(name string, s *scope, depth int) string {
	key := fmt.Sprintf("%p/%s", s.body, name)
	if sc.visiting[key] {
		return "" // a cycle: judged by the other assignments
	}
	sc.visiting[key] = true
	defer delete(sc.visiting, key)
	// A local variable: every value assigned to it must be safe.
	assigned, why := false, ""
	ast.Inspect(s.body, func(n ast.Node) bool {
		if why != "" {
			return false
		}
		if fl, ok := n.(*ast.FuncLit); ok && fl.Body != s.body {
			return false
		}
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				id, ok := l.(*ast.Ident)
				if !ok || id.Name != name {
					continue
				}
				assigned = true
				var rhs ast.Expr
				if len(n.Rhs) == len(n.Lhs) {
					rhs = n.Rhs[i]
				} else if call, ok := n.Rhs[0].(*ast.CallExpr); ok && len(n.Rhs) == 1 {
					if w := sc.safeResult(call, i, depth+1); w != "" {
						why = w
						return false
					}
					continue
				} else {
					why = "assigned from an expression the scan does not follow"
					return false
				}
				if call, ok := rhs.(*ast.CallExpr); ok && isIdent(call.Fun, "append") && len(call.Args) > 0 && isIdent(call.Args[0], name) {
					// where = append(where, part...): each part must be safe.
					for _, a := range call.Args[1:] {
						if w := sc.safe(a, s, depth+1); w != "" {
							why = w
							return false
						}
					}
					continue
				}
				if w := sc.safe(rhs, s, depth+1); w != "" {
					why = w
					return false
				}
			}
		case *ast.DeclStmt:
			gd, ok := n.Decl.(*ast.GenDecl)
			if !ok {
				return true
			}
			for _, sp := range gd.Specs {
				vs, ok := sp.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, id := range vs.Names {
					if id.Name != name {
						continue
					}
					assigned = true
					if i < len(vs.Values) {
						if w := sc.safe(vs.Values[i], s, depth+1); w != "" {
							why = w
							return false
						}
					}
				}
			}
		case *ast.RangeStmt:
			if id, ok := n.Value.(*ast.Ident); ok && id.Name == name {
				assigned = true
				if w := sc.safeSlice(n.X, s, depth+1); w != "" {
					why = w
					return false
				}
			}
		case *ast.CallExpr:
			// b.WriteString(x), b.WriteByte(c), fmt.Fprintf(&b, …) on a
			// strings.Builder named name.
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && isIdent(sel.X, name) {
				switch sel.Sel.Name {
				case "WriteString":
					assigned = true
					if w := sc.safe(n.Args[0], s, depth+1); w != "" {
						why = w
						return false
					}
				case "WriteByte", "WriteRune", "Grow", "Reset", "Len", "String":
					assigned = true
				}
			}
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && isIdent(sel.X, "fmt") && sel.Sel.Name == "Fprintf" && len(n.Args) > 1 {
				if u, ok := n.Args[0].(*ast.UnaryExpr); ok && isIdent(u.X, name) {
					assigned = true
					if w := sc.safeSprintf(n.Args[1:], s, depth); w != "" {
						why = w
						return false
					}
				}
			}
		}
		return true
	})
	if why != "" {
		return why
	}
	if assigned {
		return ""
	}
	if i, ok := s.params[name]; ok {
		return sc.safeParam(s, name, i, depth)
	}
	if s.lit {
		// A variable of the enclosing function, captured by the literal.
		outer := &scope{file: s.file, name: s.name, fn: s.fn, body: s.fn.Body, params: paramIndex(s.fn.Type)}
		return sc.safeIdent(name, outer, depth+1)
	}
	if sc.consts[name] {
		return ""
	}
	if v, ok := sc.vars[name]; ok {
		return sc.safe(v, s, depth+1)
	}
	return "the unknown name " + name
}

// safeParam: a parameter is safe when every call of its function in store
// passes a safe argument for it.
func (sc *sqlScan) safeParam(s *scope, name string, i, depth int) string {
	if s.lit {
		return sc.safeCallbackParam(s, name, i, depth)
	}
	callers := 0
	why := ""
	for p, f := range sc.files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			caller := &scope{file: p, name: fd.Name.Name, fn: fd, body: fd.Body, params: paramIndex(fd.Type)}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if why != "" {
					return false
				}
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				called := calleeName(call)
				if called != s.fn.Name.Name || i >= len(call.Args) {
					return true
				}
				callers++
				if w := sc.safe(call.Args[i], caller, depth+1); w != "" {
					why = fmt.Sprintf("parameter %s of %s gets %s from %s", name, s.fn.Name.Name, w, fd.Name.Name)
				}
				return true
			})
		}
	}
	if why != "" {
		return why
	}
	if callers == 0 {
		return "parameter " + name + " of " + s.fn.Name.Name + ", which store never calls (so its callers are unchecked)"
	}
	return ""
}

// safeCallbackParam: parameter i of a function literal passed as argument
// k of a call to store's function F is safe when F calls that argument
// only with a safe value there.
func (sc *sqlScan) safeCallbackParam(s *scope, name string, i, depth int) string {
	if s.litCall == nil {
		return "the function literal's parameter " + name
	}
	called := calleeName(s.litCall)
	decls := sc.funcs[called]
	if len(decls) == 0 {
		return "the parameter " + name + " of a function literal given to " + called
	}
	for _, fd := range decls {
		params := paramIndex(fd.Type)
		var fnParam string
		for p, k := range params {
			if k == s.litArg {
				fnParam = p
			}
		}
		if fnParam == "" {
			return "the parameter " + name + " of a function literal given to " + called
		}
		file := sc.fset.Position(fd.Pos()).Filename
		callee := &scope{file: file, name: fd.Name.Name, fn: fd, body: fd.Body, params: params}
		calls, why := 0, ""
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || why != "" || !isIdent(c.Fun, fnParam) || i >= len(c.Args) {
				return why == ""
			}
			calls++
			why = sc.safe(c.Args[i], callee, depth+1)
			return why == ""
		})
		if why != "" {
			return fmt.Sprintf("%s calls %s with %s", called, fnParam, why)
		}
		if calls == 0 {
			return called + " never calls " + fnParam
		}
	}
	return ""
}

// safeSlice: a slice of SQL parts is safe when built only from safe parts.
func (sc *sqlScan) safeSlice(e ast.Expr, s *scope, depth int) string {
	switch e := e.(type) {
	case *ast.CompositeLit:
		for _, el := range e.Elts {
			if w := sc.safe(el, s, depth+1); w != "" {
				return w
			}
		}
		return ""
	case *ast.Ident:
		return sc.safeIdent(e.Name, s, depth+1)
	}
	return sc.safe(e, s, depth+1)
}

func (sc *sqlScan) safeCall(e *ast.CallExpr, s *scope, depth int) string {
	switch fn := e.Fun.(type) {
	case *ast.SelectorExpr:
		pkg, _ := fn.X.(*ast.Ident)
		switch {
		case fn.Sel.Name == "Rebind" && len(e.Args) == 1:
			return sc.safe(e.Args[0], s, depth+1)
		case pkg != nil && pkg.Name == "strings" && fn.Sel.Name == "Join" && len(e.Args) == 2:
			if w := sc.safeSlice(e.Args[0], s, depth+1); w != "" {
				return w
			}
			return sc.safe(e.Args[1], s, depth+1)
		case pkg != nil && pkg.Name == "strings" && fn.Sel.Name == "Repeat" && len(e.Args) == 2:
			return sc.safe(e.Args[0], s, depth+1)
		case pkg != nil && pkg.Name == "strings" && (fn.Sel.Name == "TrimSuffix" || fn.Sel.Name == "TrimSpace" || fn.Sel.Name == "TrimPrefix"):
			return sc.safe(e.Args[0], s, depth+1)
		case pkg != nil && pkg.Name == "fmt" && fn.Sel.Name == "Sprintf" && len(e.Args) > 0:
			return sc.safeSprintf(e.Args, s, depth)
		case pkg != nil && pkg.Name == "fmt" && fn.Sel.Name == "Sprint":
			for _, a := range e.Args {
				if w := sc.safe(a, s, depth+1); w != "" {
					return w
				}
			}
			return ""
		case fn.Sel.Name == "String" && len(e.Args) == 0:
			if id, ok := fn.X.(*ast.Ident); ok {
				return sc.safeIdent(id.Name, s, depth+1) // a strings.Builder
			}
		}
		return sc.safeResult(e, 0, depth+1)
	case *ast.Ident:
		switch fn.Name {
		case "placeholders":
			return "" // "?, ?, …": placeholders only
		case "string":
			return "a conversion " + sc.src(e)
		}
		return sc.safeResult(e, 0, depth+1)
	}
	return "the result of " + sc.src(e)
}

// safeResult: the result i of a call to one of store's own functions is
// safe when every return statement of that function returns a safe value
// there.
func (sc *sqlScan) safeResult(call *ast.CallExpr, i, depth int) string {
	name := calleeName(call)
	decls := sc.funcs[name]
	if len(decls) == 0 {
		return "the result of " + sc.src(call)
	}
	key := fmt.Sprintf("result/%s/%d", name, i)
	if sc.visiting[key] {
		return ""
	}
	sc.visiting[key] = true
	defer delete(sc.visiting, key)
	for _, fd := range decls {
		if fd.Body == nil {
			continue
		}
		file := sc.fset.Position(fd.Pos()).Filename
		callee := &scope{file: file, name: fd.Name.Name, fn: fd, body: fd.Body, params: paramIndex(fd.Type)}
		why := ""
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if why != "" {
				return false
			}
			if _, ok := n.(*ast.FuncLit); ok {
				return false
			}
			ret, ok := n.(*ast.ReturnStmt)
			if !ok {
				return true
			}
			switch {
			case len(ret.Results) == 1 && i > 0:
				if c, ok := ret.Results[0].(*ast.CallExpr); ok {
					why = sc.safeResult(c, i, depth+1)
				} else {
					why = "a result the scan does not follow"
				}
			case i < len(ret.Results):
				why = sc.safe(ret.Results[i], callee, depth+1)
			case len(ret.Results) == 0:
				// A bare return of named results: judged by their assignments.
				if res := fd.Type.Results; res != nil {
					k := 0
					for _, f := range res.List {
						for _, n := range f.Names {
							if k == i {
								why = sc.safeIdent(n.Name, callee, depth+1)
							}
							k++
						}
					}
				}
			}
			return true
		})
		if why != "" {
			return fmt.Sprintf("%s (in %s)", why, fd.Name.Name)
		}
	}
	return ""
}

// safeField: a field of a loop variable ranging over a literal list of
// structs (for _, part := range []struct{col string}{{"a"}, {"b"}}) is
// safe when that field is safe in every element; any other field value is
// not.
func (sc *sqlScan) safeField(e *ast.SelectorExpr, s *scope, depth int) string {
	x, ok := e.X.(*ast.Ident)
	if !ok {
		return "a field value (" + sc.src(e) + ")"
	}
	why := "a field value (" + sc.src(e) + ")"
	ast.Inspect(s.body, func(n ast.Node) bool {
		r, ok := n.(*ast.RangeStmt)
		if !ok || !isIdent(r.Value, x.Name) {
			return true
		}
		lit, ok := r.X.(*ast.CompositeLit)
		if !ok {
			return false
		}
		at, ok := lit.Type.(*ast.ArrayType)
		if !ok {
			return false
		}
		st, ok := at.Elt.(*ast.StructType)
		if !ok {
			return false
		}
		idx, k := -1, 0
		for _, f := range st.Fields.List {
			for _, n := range f.Names {
				if n.Name == e.Sel.Name {
					idx = k
				}
				k++
			}
		}
		if idx < 0 {
			return false
		}
		why = ""
		for _, el := range lit.Elts {
			cl, ok := el.(*ast.CompositeLit)
			if !ok || idx >= len(cl.Elts) {
				why = "a field of an element the scan does not follow"
				return false
			}
			v := cl.Elts[idx]
			if kv, ok := v.(*ast.KeyValueExpr); ok {
				v = kv.Value
			}
			if w := sc.safe(v, s, depth+1); w != "" {
				why = w
				return false
			}
		}
		return false
	})
	return why
}

// safeSprintf: the format must be safe, and every argument printed with a
// verb other than %d (an integer cannot carry SQL) must be safe.
func (sc *sqlScan) safeSprintf(args []ast.Expr, s *scope, depth int) string {
	lit, ok := args[0].(*ast.BasicLit)
	if !ok {
		if w := sc.safe(args[0], s, depth+1); w != "" {
			return "a format " + w
		}
		return "a format the scan cannot read"
	}
	format, err := strconv.Unquote(lit.Value)
	if err != nil {
		return "an unreadable format"
	}
	var verbs []byte
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0123456789.", format[i]) >= 0 {
			i++
		}
		if i < len(format) && format[i] != '%' {
			verbs = append(verbs, format[i])
		}
	}
	for k, v := range verbs {
		if k+1 >= len(args) {
			break
		}
		if v == 'd' {
			continue
		}
		if w := sc.safe(args[k+1], s, depth+1); w != "" {
			return fmt.Sprintf("%%%c of %s", v, w)
		}
	}
	return ""
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// TestSQLScanCatchesInjection: the scan flags values pasted into SQL (by
// concatenation, fmt.Sprintf %s, a WHERE list, a strings.Builder, a field,
// or a parameter fed from a caller) and accepts bound parameters,
// placeholder lists, LIMIT %d and constant columns passed by callers.
func TestSQLScanCatchesInjection(t *testing.T) {
	t.Parallel()
	sc := newSQLScan(t, "testdata/sqlscan")
	flagged := map[string]bool{}
	for _, f := range sc.run() {
		flagged[f.fn] = true
	}
	for _, fn := range []string{"BadConcat", "BadSprintf", "BadField", "BadWhere", "BadBuilder"} {
		if !flagged[fn] {
			t.Errorf("%s pastes a value into SQL but was not flagged", fn)
		}
	}
	for _, fn := range []string{"GoodParams", "GoodHelper", "GoodCaller"} {
		if flagged[fn] {
			t.Errorf("%s only binds parameters but was flagged", fn)
		}
	}
}

// calleeName is the name a call calls, f of f(…) or x.f(…), or "".
func calleeName(call *ast.CallExpr) string {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		return fn.Name
	case *ast.SelectorExpr:
		return fn.Sel.Name
	}
	return ""
}
