// Package checks holds one folder per binary; this test keeps each binary's
// main a single call, so every check's logic lives in internal/ where it is
// tested, and a new check cannot grow a main of its own.
package checks

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"testing"
)

func TestEachMainIsOneCall(t *testing.T) {
	mains, err := filepath.Glob("../../checks/check_*/main.go")
	if err != nil || len(mains) == 0 {
		t.Fatalf("no checks/check_*/main.go found (%v)", err)
	}
	for _, file := range mains {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		var funcs []*ast.FuncDecl
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				funcs = append(funcs, d)
			case *ast.GenDecl:
				if d.Tok != token.IMPORT {
					t.Errorf("%s: declares %s at top level; a main holds only func main", file, d.Tok)
				}
			}
		}
		if len(funcs) != 1 || funcs[0].Name.Name != "main" || funcs[0].Recv != nil {
			t.Errorf("%s: want exactly one function, main", file)
			continue
		}
		body := funcs[0].Body.List
		if len(body) != 1 {
			t.Errorf("%s: main has %d statements, want one call", file, len(body))
			continue
		}
		stmt, ok := body[0].(*ast.ExprStmt)
		if !ok {
			t.Errorf("%s: main's statement is not a call", file)
			continue
		}
		if _, ok := stmt.X.(*ast.CallExpr); !ok {
			t.Errorf("%s: main's statement is not a call", file)
		}
	}
}
