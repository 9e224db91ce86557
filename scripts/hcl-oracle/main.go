// Evaluates HCL expressions with Terraform's own HCL library (hashicorp/hcl
// v2, hclsyntax), for scripts/hcl-oracle. The input and output are those of
// crates/safeguard-terraform/examples/expression_values.rs: the expressions
// on standard input, separated by a line holding only U+001E; one JSON line
// per expression, {"value": ...} or {"error": ...}, with the same locals.
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
)

func main() {
	data, _ := io.ReadAll(bufio.NewReader(os.Stdin))
	cases := strings.Split(string(data), "\n\x1e\n")
	// As a module's locals hold them: bracketed lists are tuples, braced
	// values objects.
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{
		"local": cty.ObjectVal(map[string]cty.Value{
			"l": cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}),
			"x": cty.StringVal("X"),
			"t": cty.True,
			"f": cty.False,
			"n": cty.NumberIntVal(3),
			"m": cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1), "b": cty.StringVal("x")}),
			"objs": cty.TupleVal([]cty.Value{
				cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("a"), "v": cty.NumberIntVal(1)}),
				cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("b"), "v": cty.NumberIntVal(2)}),
			}),
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
		b, err := json.Marshal(map[string]interface{}{"value": plain(v)})
		if err != nil {
			fmt.Fprintln(out, `{"error":"marshal"}`)
			continue
		}
		fmt.Fprintln(out, string(b))
	}
}

// plain turns a value into what encoding/json writes: sequences (lists,
// tuples, sets) as arrays, maps and objects as objects, numbers exactly.
func plain(v cty.Value) interface{} {
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return v.AsString()
	case t == cty.Bool:
		return v.True()
	case t == cty.Number:
		f := v.AsBigFloat()
		if f.IsInf() {
			// JSON has no infinities: both sides write them as cty names them.
			return f.Text('g', -1)
		}
		return json.Number(f.Text('g', -1))
	case t.IsListType() || t.IsTupleType() || t.IsSetType():
		items := []interface{}{}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			items = append(items, plain(e))
		}
		return items
	case t.IsMapType() || t.IsObjectType():
		fields := map[string]interface{}{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			fields[k.AsString()] = plain(e)
		}
		return fields
	}
	return fmt.Sprintf("<%s>", t.FriendlyName())
}
