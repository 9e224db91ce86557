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
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
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
	ctx.Functions = functions()
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

// functions are Terraform's, as far as they come from cty's standard library
// and HCL's extensions (terraform/internal/lang/functions.go uses these);
// the few Terraform writes itself are rebuilt here from its documentation:
// length counts a string's characters, replace takes a /regex/, startswith
// and endswith, the to* conversions, coalesce skipping empty strings.
func functions() map[string]function.Function {
	to := func(t cty.Type) function.Function {
		return function.New(&function.Spec{
			Params: []function.Parameter{{Name: "v", Type: cty.DynamicPseudoType, AllowNull: true}},
			Type: func(args []cty.Value) (cty.Type, error) {
				if t == cty.DynamicPseudoType {
					return args[0].Type(), nil
				}
				return t, nil
			},
			Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
				return convert.Convert(args[0], retType)
			},
		})
	}
	prefix := func(suffix bool) function.Function {
		return function.New(&function.Spec{
			Params: []function.Parameter{{Name: "s", Type: cty.String}, {Name: "p", Type: cty.String}},
			Type:   function.StaticReturnType(cty.Bool),
			Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
				s, p := args[0].AsString(), args[1].AsString()
				if suffix {
					return cty.BoolVal(strings.HasSuffix(s, p)), nil
				}
				return cty.BoolVal(strings.HasPrefix(s, p)), nil
			},
		})
	}
	return map[string]function.Function{
		"upper": stdlib.UpperFunc, "lower": stdlib.LowerFunc, "trimspace": stdlib.TrimSpaceFunc,
		"join": stdlib.JoinFunc, "split": stdlib.SplitFunc, "format": stdlib.FormatFunc,
		"concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc, "element": stdlib.ElementFunc,
		"flatten": stdlib.FlattenFunc, "keys": stdlib.KeysFunc, "values": stdlib.ValuesFunc,
		"merge": stdlib.MergeFunc, "min": stdlib.MinFunc, "max": stdlib.MaxFunc,
		"jsonencode": stdlib.JSONEncodeFunc, "jsondecode": stdlib.JSONDecodeFunc,
		"regex": stdlib.RegexFunc, "substr": stdlib.SubstrFunc,
		"try": tryfunc.TryFunc, "can": tryfunc.CanFunc,
		"startswith": prefix(false), "endswith": prefix(true),
		"tostring": to(cty.String), "tonumber": to(cty.Number), "tobool": to(cty.Bool),
		"tolist": to(cty.List(cty.DynamicPseudoType)), "toset": to(cty.Set(cty.DynamicPseudoType)),
		"tomap": to(cty.Map(cty.DynamicPseudoType)),
		"length": function.New(&function.Spec{
			Params: []function.Parameter{{Name: "v", Type: cty.DynamicPseudoType}},
			Type:   function.StaticReturnType(cty.Number),
			Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
				switch t := args[0].Type(); {
				case t == cty.String:
					return stdlib.Strlen(args[0])
				case t.IsObjectType():
					return cty.NumberIntVal(int64(len(t.AttributeTypes()))), nil
				}
				return stdlib.Length(args[0])
			},
		}),
		"replace": function.New(&function.Spec{
			Params: []function.Parameter{{Name: "s", Type: cty.String}, {Name: "old", Type: cty.String}, {Name: "new", Type: cty.String}},
			Type:   function.StaticReturnType(cty.String),
			Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
				old := args[1].AsString()
				if len(old) > 1 && strings.HasPrefix(old, "/") && strings.HasSuffix(old, "/") {
					return stdlib.RegexReplace(args[0], cty.StringVal(old[1:len(old)-1]), args[2])
				}
				return stdlib.Replace(args[0], args[1], args[2])
			},
		}),
		"compact": stdlib.CompactFunc, "distinct": stdlib.DistinctFunc, "sort": stdlib.SortFunc,
		"reverse": stdlib.ReverseListFunc, "zipmap": stdlib.ZipmapFunc, "slice": stdlib.SliceFunc,
		"coalescelist": stdlib.CoalesceListFunc, "setunion": stdlib.SetUnionFunc,
		"setintersection": stdlib.SetIntersectionFunc, "setsubtract": stdlib.SetSubtractFunc,
		"chomp": stdlib.ChompFunc, "trimprefix": stdlib.TrimPrefixFunc,
		"trimsuffix": stdlib.TrimSuffixFunc, "abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc,
		"floor": stdlib.FloorFunc,
		"coalesce": function.New(&function.Spec{
			VarParam: &function.Parameter{Name: "v", Type: cty.DynamicPseudoType, AllowNull: true},
			Type:     function.StaticReturnType(cty.DynamicPseudoType),
			Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
				for _, a := range args {
					if a.IsNull() || (a.Type() == cty.String && a.AsString() == "") {
						continue
					}
					return a, nil
				}
				return cty.NilVal, fmt.Errorf("no non-null, non-empty-string arguments")
			},
		}),
	}
}
