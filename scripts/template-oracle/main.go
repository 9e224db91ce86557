// Evaluates HCL expressions with Terraform's own HCL library (hashicorp/hcl
// v2, hclsyntax), for scripts/template-oracle. The input and output are
// those of crates/safeguard-terraform/examples/template_values.rs: the
// expressions on standard input, separated by a line holding only U+001E;
// one JSON line per expression, {"value": ...} or {"error": ...}. The
// variables are the same: local.l = ["a", "b"], local.x = "X", local.t and
// local.f.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

func main() {
	data, _ := io.ReadAll(bufio.NewReader(os.Stdin))
	cases := strings.Split(string(data), "\n\x1e\n")
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
		"local": cty.ObjectVal(map[string]cty.Value{
			"l": cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
			"x": cty.StringVal("X"),
			"t": cty.True,
			"f": cty.False,
		}),
	}}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, c := range cases {
		if strings.TrimSpace(c) == "" {
			continue
		}
		src := "x = " + c + "\n"
		file, diags := hclsyntax.ParseConfig([]byte(src), "t.tf", hcl.Pos{Line: 1, Column: 1})
		if diags.HasErrors() {
			b, _ := json.Marshal(map[string]string{"error": diags.Error()})
			fmt.Fprintln(out, string(b))
			continue
		}
		attrs, _ := file.Body.JustAttributes()
		v, diags := attrs["x"].Expr.Value(ctx)
		if diags.HasErrors() {
			b, _ := json.Marshal(map[string]string{"error": diags.Error()})
			fmt.Fprintln(out, string(b))
			continue
		}
		b, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			fmt.Fprintln(out, `{"error":"marshal"}`)
			continue
		}
		fmt.Fprintln(out, `{"value":`+string(b)+`}`)
	}
}
